package dev.sluice.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.v1.TailResponse;
import java.io.IOException;
import java.util.Arrays;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a subscriber does with a tail message, single-threaded: read the message of each of
 * its {@value #RECORDS} records (records as the broker encodes them: seq, cursor, subject,
 * labels of a request, a 200-byte message). In the client's package because the message
 * reader is not public API. Scores are records per second; {@code copyBytes} (a copy of the
 * whole message) is the yardstick in the same run, {@code protobufParse} what a plain
 * grpc-java stub would do.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar TailReadBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
public class TailReadBenchmark extends QuickBenchmark {
  static final int RECORDS = 2048;

  final byte[] wire = response().toByteArray();
  final TailMessage parsed;

  public TailReadBenchmark() {
    try {
      parsed = TailMessage.parse(wire);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TailResponse response() {
    TailResponse.Builder b = TailResponse.newBuilder();
    for (int i = 0; i < RECORDS; i++) {
      String request = String.format("q%04d", i % 6400);
      b.addRecords(Record.newBuilder().setSeq(1_000_000 + i)
          .setCursor(ByteString.copyFrom(new byte[16])).setSubject("a0.r00." + request)
          .setKind(RecordKind.LINE).setTimeUnixNano(1_764_000_000_000_000_000L + i)
          .setLevel(Level.INFO).setStream(Stream.STRUCTURED)
          .setMessage(String.format("%019d", i) + " " + "x".repeat(180))
          .setLabels(Labels.newBuilder().setAccount("default").setAppName("a0")
              .setRunnerId("r00").setRequestId(request).setEndpoint("/bench")
              .setCaller("caller-" + i).setVersion("v1").setSource("run"))
          .setIngestTimeUnixNano(1_764_000_000_000_000_000L + i));
    }
    return b.build();
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public byte[] copyBytes() {
    return Arrays.copyOf(wire, wire.length);
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void protobufParse(Blackhole out) throws InvalidProtocolBufferException {
    TailResponse response = TailResponse.parseFrom(wire);
    for (int i = 0; i < response.getRecordsCount(); i++) {
      out.consume(response.getRecords(i).getMessageBytes());
    }
  }

  /** Splits the message into its records and reads each one's message: the callback path. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void parseAndReadMessages(Blackhole out) throws IOException {
    TailMessage message = TailMessage.parse(wire);
    for (int i = 0; i < message.records(); i++) {
      out.consume(message.record(i).message());
    }
  }

  /** Only the message lookups, on records already split out. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void readMessages(Blackhole out) {
    for (int i = 0; i < parsed.records(); i++) {
      out.consume(parsed.record(i).message());
    }
  }
}
