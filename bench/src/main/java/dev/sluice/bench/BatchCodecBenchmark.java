package dev.sluice.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.ingest.RawBatch;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The wire work per line, single-threaded: decoding a runner's batch frame ({@value #LINES}
 * lines of 200 bytes), encoding it, and the store's encode-once of a stored record (seq and
 * cursor spliced in front of the draft), against copying the same bytes as the yardstick
 * measured in the same run. Scores are lines per second.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar BatchCodecBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
public class BatchCodecBenchmark extends QuickBenchmark {
  static final int LINES = 100;

  final IngestFrame frame = IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().setFirstSeq(1)
      .addAllLines(IntStream.range(0, LINES).mapToObj(i -> LogLine.newBuilder()
          .setMessage("line " + i + " " + "x".repeat(190)).setLevel(Level.INFO)
          .build()).collect(Collectors.toList()))).build();
  final byte[] wire = frame.toByteArray();
  final List<Record> drafts = frame.getBatch().getLinesList().stream()
      .map(l -> Record.newBuilder().setSubject("my-model.runner-7._").setMessage(l.getMessage())
          .setLevel(l.getLevel()).setTimeUnixNano(1_700_000_000_000_000_000L)
          .setLabels(Labels.newBuilder().setAppName("my-model").setRunnerId("runner-7")
              .setRequestId("_").setVersion("v3").setSource("run"))
          .build())
      .collect(Collectors.toList());

  /** Yardstick: copying the frame's bytes. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public byte[] copyBytes() {
    return Arrays.copyOf(wire, wire.length);
  }

  @Benchmark
  @OperationsPerInvocation(LINES)
  public IngestFrame decodeBatch() throws InvalidProtocolBufferException {
    return IngestFrame.parseFrom(wire);
  }

  /** What the broker does with a batch frame now: reads it in its bytes (dev.sluice.broker.ingest.RawBatch). */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public RawBatch decodeRawBatch() throws InvalidProtocolBufferException {
    // The frame is one batch field: tag (1 byte) and length (2 bytes) before the LogBatch.
    return RawBatch.parse(wire, batchOffset, wire.length - batchOffset);
  }

  final int batchOffset = 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(
      frame.getBatch().getSerializedSize());

  @Benchmark
  @OperationsPerInvocation(LINES)
  public byte[] encodeBatch() {
    return frame.toByteArray();
  }

  /** What the store does once per record: seq and cursor in front of the draft's bytes. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public void encodeStoredRecords(Blackhole out) {
    long seq = 1;
    for (Record draft : drafts) {
      out.consume(StoredRecord.of(seq++, draft));
    }
  }
}
