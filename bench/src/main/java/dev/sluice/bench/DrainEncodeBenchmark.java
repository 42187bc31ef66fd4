package dev.sluice.bench;

import dev.sluice.broker.plugin.drain.Ndjson;
import dev.sluice.broker.plugin.drain.Signer;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A drain's CPU per line: a batch of {@value #LINES} records (200-byte messages, the usual
 * labels, two fields) encoded as NDJSON, and encoded plus signed (HMAC-SHA256 over the body),
 * against the same records' protobuf encoding as the yardstick measured in the same run.
 * Scores are lines per second (one operation = one line).
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar DrainEncodeBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
@State(Scope.Benchmark)
public class DrainEncodeBenchmark extends QuickBenchmark {
  static final int LINES = 1000;
  static final String SECRET = "s".repeat(64);

  final List<Record> batch = batch();

  static List<Record> batch() {
    List<Record> out = new ArrayList<>(LINES);
    long now = System.currentTimeMillis() * 1_000_000L;
    for (int i = 0; i < LINES; i++) {
      out.add(Record.newBuilder().setTimeUnixNano(now + i).setLevel(Level.INFO)
          .setMessage("step " + i + " " + "x".repeat(190)).setTraceId("trace-" + i)
          .setLabels(Labels.newBuilder().setAppName("my-model").setAppId("app-123")
              .setRunnerId("runner-7").setRequestId("req-" + (i / 50)).setEndpoint("/predict")
              .setVersion("v3").setSource("run").setNodeId("node-2"))
          .putFields("gpu", "a100").putFields("step", Integer.toString(i)).build());
    }
    return out;
  }

  /** Yardstick: the same records' protobuf bytes, written into one buffer. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public byte[] protobufEncode() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(LINES * 320);
    for (Record r : batch) {
      r.writeDelimitedTo(out);
    }
    return out.toByteArray();
  }

  @Benchmark
  @OperationsPerInvocation(LINES)
  public byte[] ndjsonEncode() {
    return Ndjson.encode(batch);
  }

  @Benchmark
  @OperationsPerInvocation(LINES)
  public String ndjsonEncodeAndSign() {
    byte[] body = Ndjson.encode(batch);
    return Signer.header(List.of(SECRET), 1_700_000_000L, "0123456789abcdef0123456789abcdef",
        body);
  }
}
