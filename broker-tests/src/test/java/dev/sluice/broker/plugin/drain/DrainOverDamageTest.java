package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentFiles;
import dev.sluice.broker.store.segment.SegmentFiles.Frame;
import dev.sluice.testing.BrokerChannels;
import dev.sluice.testing.RawRunner;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import io.grpc.ManagedChannel;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drain whose cursor passes records that recovery found damaged on disk: it delivers every
 * other line and its status says how many were lost, and which.
 */
class DrainOverDamageTest {

  @Test
  void aDrainCatchingUpOverALostRecordDeliversTheRestAndRecordsTheGap(@TempDir Path dataDir)
      throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always())
        .withDrains(Receiver.settings());
    try (Receiver receiver = Receiver.start()) {
      DrainRef ref = DrainRef.newBuilder().setName("d").build();
      try (Broker broker = Broker.start(config)) {
        BrokerChannels.with(broker, channel -> {
          DrainsGrpc.DrainsBlockingStub drains = DrainsGrpc.newBlockingStub(channel);
          drains.createDrain(CreateDrainRequest.newBuilder().setSpec(DrainSpec.newBuilder()
              .setName("d").setUrl(receiver.url()).setSecret(DrainDeliveryTest.SECRET)
              .setFilter("app.>").setFlushIntervalMs(100)).build());
          drains.disableDrain(ref); // it catches up after the restart, over the damage
          RawRunner runner = RawRunner.connect(channel, "app", "r1");
          LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(100));
          for (int i = 1; i <= 100; i++) {
            batch.addLines(LogLine.newBuilder().setMessage("line " + i));
          }
          runner.send(IngestFrame.newBuilder().setBatch(batch).build()).awaitAcked();
        });
      }
      flipRecord(dataDir.resolve("log"), "line 50");

      try (Broker broker = Broker.start(config)) {
        BrokerChannels.with(broker, channel -> {
          DrainsGrpc.DrainsBlockingStub drains = DrainsGrpc.newBlockingStub(channel);
          drains.enableDrain(ref);
          Awaitility.await().atMost(Duration.ofSeconds(30))
              .until(() -> messages(receiver).size() >= 99);
          List<String> expected = new ArrayList<>();
          for (int i = 1; i <= 100; i++) {
            if (i != 50) {
              expected.add("line " + i);
            }
          }
          assertThat(messages(receiver)).isEqualTo(expected);
          DrainStatus status = drains.getDrain(ref).getStatus();
          assertThat(status.getLostRecords()).isEqualTo(1);
          assertThat(status.getLastGap()).contains("was lost to damage in the store");
        });
      }
    }
  }


  private static List<String> messages(Receiver receiver) {
    List<String> out = new ArrayList<>();
    for (Receiver.Request request : receiver.requests()) {
      for (String line : new String(request.body(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          out.add(new JsonObject(line).getString("message"));
        }
      }
    }
    return out;
  }

  /** Flips a byte in the message of the one record that holds {@code text}. */
  private static void flipRecord(Path log, String text) throws Exception {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    for (Path segment : SegmentFiles.segments(log)) {
      for (Frame frame : SegmentFiles.frames(segment)) {
        byte[] body = SegmentFiles.body(segment, frame);
        int at = indexOf(body, needle);
        if (at >= 0 && (at + needle.length == body.length
            || !Character.isDigit(body[at + needle.length]))) {
          SegmentFiles.flip(segment, frame.offset() + frame.header() + at + 2);
          return;
        }
      }
    }
    throw new AssertionError("no record holds " + text);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
