package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every rejection ends only the offending stream, with the right status and a message naming
 * what was wrong; a healthy session on the same HTTP/2 connection keeps working.
 */
class IngestRejectionTest {
  private static final int FRAME_LIMIT = 64 * 1024;
  private static final int BATCH_LIMIT = 100;

  @RegisterExtension
  final SluiceBroker sluice =
      SluiceBroker.insecure(c -> c.withLimits(FRAME_LIMIT, BATCH_LIMIT, 1024));

  @Test
  void rejectsInvalidSubjectTokenInHelloAndKeepsOtherSessions() throws Exception {
    Status status = rejected(r -> r.send(hello("my.model", "runner-1")));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("hello.app").contains("'my.model'")
        .contains("[A-Za-z0-9_-]{1,128}");
  }

  @Test
  void rejectsFirstFrameThatIsNotHello() throws Exception {
    Status status = rejected(r -> r.send(IngestFrame.newBuilder()
        .setBatch(LogBatch.newBuilder().addLines(LogLine.newBuilder().setMessage("x"))).build()));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("first frame: batch").contains("expected: hello");
  }

  @Test
  void rejectsMalformedHelloFields() throws Exception {
    Status missingRunner = rejected(r -> r.send(hello("app", "")));
    assertThat(missingRunner.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(missingRunner.getDescription()).contains("hello.runner");

    Status badSource = rejected(r -> r.send(IngestFrame.newBuilder().setHello(
        Hello.newBuilder().setApp("app").setRunner("r").setSource("cron")).build()));
    assertThat(badSource.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badSource.getDescription()).contains("hello.source").contains("run, gateway, deploy");
  }

  @Test
  void rejectsSecondHelloAndEmptyFrame() throws Exception {
    Status twice = rejected(r -> r.send(hello("app", "r")).send(hello("app", "r")));
    assertThat(twice.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(twice.getDescription()).contains("hello: sent twice");

    Status empty = rejected(r -> r.send(hello("app", "r")).send(IngestFrame.getDefaultInstance()));
    assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(empty.getDescription()).contains("frame: empty");
  }

  @Test
  void rejectsInvalidRequestIdOnALine() throws Exception {
    Status status = rejected(r -> r.send(hello("app", "r")).lines("req 1", "hello"));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("line.request_id").contains("'req 1'");
  }

  @Test
  void rejectsOversizedFrameWithResourceExhaustedAndKeepsConnection() throws Exception {
    String big = "x".repeat(FRAME_LIMIT + 1);
    Status status = rejected(r -> r.send(hello("app", "r")).lines("", big));
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void rejectsBatchWithTooManyLines() throws Exception {
    String[] lines = new String[BATCH_LIMIT + 1];
    java.util.Arrays.fill(lines, "l");
    Status status = rejected(r -> r.send(hello("app", "r")).lines("", lines));
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("101 lines").contains("at most 100");
  }

  /**
   * Opens a healthy session and a bad one on the same channel (one HTTP/2 connection), lets
   * {@code misbehave} drive the bad one, and checks that the healthy one still gets acks.
   */
  private Status rejected(Consumer<RawRunner> misbehave) throws Exception {
    ManagedChannel channel = sluice.channel();
    RawRunner healthy = RawRunner.connect(channel, "app", "healthy");
    healthy.lines("", "before").awaitAcked();

    RawRunner bad = new RawRunner(channel);
    misbehave.accept(bad);
    Status status = bad.awaitEnd();

    healthy.lines("", "after").awaitAcked();
    assertThat(healthy.isEnded()).isFalse();
    healthy.close();
    return status;
  }

  private static IngestFrame hello(String app, String runner) {
    return IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp(app).setRunner(runner)).build();
  }
}
