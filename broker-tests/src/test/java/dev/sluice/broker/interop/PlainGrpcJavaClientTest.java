package dev.sluice.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a runner written against the generated stubs does, with grpc-java's default channel
 * (Netty, shaded; default executor): ingest over the async stub, read back over the blocking
 * Tail iterator. The broker's encode-once TailResponse must parse as an ordinary message.
 */
class PlainGrpcJavaClientTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void defaultGrpcJavaClientIngestsAndTails() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder
        .forAddress("127.0.0.1", sluice.broker().grpcPort()).usePlaintext().build();
    try {
      LinkedBlockingQueue<IngestReply> replies = new LinkedBlockingQueue<>();
      StreamObserver<IngestFrame> up = IngestGrpc.newStub(channel).stream(new StreamObserver<>() {
        @Override
        public void onNext(IngestReply value) {
          replies.add(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      up.onNext(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("plain")
          .setRunner("r1").setSource("deploy").setVersion("v7")).build());
      assertThat(replies.poll(10, TimeUnit.SECONDS).getWelcome().getAccount()).isEqualTo("default");
      up.onNext(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().setFirstSeq(1)
          .addLines(LogLine.newBuilder().setMessage("héllo").putFields("k", "v"))
          .addLines(LogLine.newBuilder().setMessage("world"))).build());
      assertThat(replies.poll(10, TimeUnit.SECONDS).getAck().getSeq()).isEqualTo(2);
      up.onCompleted();

      Iterator<TailResponse> tail = LogsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .tail(TailRequest.newBuilder().setFilter("plain.>")
              .setStart(StartPosition.newBuilder().setLastN(2)).build());
      TailResponse response = tail.next();
      assertThat(response.getRecordsList()).hasSize(2);
      assertThat(response.getRecords(0).getMessage()).isEqualTo("héllo");
      assertThat(response.getRecords(0).getFieldsMap()).containsEntry("k", "v");
      assertThat(response.getRecords(0).getLabels().getSource()).isEqualTo("deploy");
      assertThat(response.getRecords(0).getLabels().getVersion()).isEqualTo("v7");
      assertThat(response.getRecords(0).getSubject()).isEqualTo("plain.r1._");
      assertThat(response.getRecords(1).getSeq()).isEqualTo(response.getRecords(0).getSeq() + 1);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void largeRecordsArriveInMessagesUnderTheDefaultInboundLimit() throws Exception {
    String line = "y".repeat(60_000);
    dev.sluice.testing.RawRunner runner =
        dev.sluice.testing.RawRunner.connect(sluice.channel(), "big", "r1");
    for (int i = 0; i < 10; i++) {
      String[] ten = new String[10];
      java.util.Arrays.fill(ten, line);
      runner.lines("", ten);
    }
    runner.awaitAcked();
    // A default channel accepts at most 4 MiB per message; 100 records of 60 KB are ~6 MB.
    ManagedChannel channel = ManagedChannelBuilder
        .forAddress("127.0.0.1", sluice.broker().grpcPort()).usePlaintext().build();
    try {
      Iterator<TailResponse> tail = LogsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .tail(TailRequest.newBuilder().setFilter("big.>")
              .setStart(StartPosition.newBuilder().setLastN(100)).build());
      int received = 0;
      int messages = 0;
      while (received < 100) {
        TailResponse response = tail.next();
        assertThat(response.getSerializedSize()).isLessThanOrEqualTo(1024 * 1024 + 70_000);
        received += response.getRecordsCount();
        messages++;
      }
      assertThat(received).isEqualTo(100);
      assertThat(messages).isGreaterThan(1);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
