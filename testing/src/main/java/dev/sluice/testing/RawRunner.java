package dev.sluice.testing;

import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.RequestEnd;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.proto.v1.RequestStatus;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** A runner speaking the Ingest protocol with the plain generated grpc-java stub. */
public final class RawRunner implements AutoCloseable {
  private final StreamObserver<IngestFrame> up;
  private final List<IngestReply> replies = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private long seq;

  public RawRunner(Channel channel) {
    up = IngestGrpc.newStub(channel).stream(new StreamObserver<>() {
      @Override
      public void onNext(IngestReply reply) {
        replies.add(reply);
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    });
  }

  public static RawRunner connect(Channel channel, String app, String runner) {
    RawRunner r = new RawRunner(channel);
    r.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp(app).setRunner(runner)
        .setVersion("v1")).build());
    r.awaitWelcome();
    return r;
  }

  /** A runner of a session that a reconnect resumes (Welcome tells where). */
  public static RawRunner connect(Channel channel, String app, String runner, String session) {
    RawRunner r = new RawRunner(channel);
    r.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp(app).setRunner(runner)
        .setSessionId(session)).build());
    r.awaitWelcome();
    return r;
  }

  public RawRunner send(IngestFrame frame) {
    up.onNext(frame);
    return this;
  }

  public RawRunner lines(String requestId, String... messages) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(seq + 1);
    for (String m : messages) {
      batch.addLines(LogLine.newBuilder().setMessage(m).setLevel(Level.INFO).setRequestId(requestId));
    }
    seq += messages.length;
    return send(IngestFrame.newBuilder().setBatch(batch).build());
  }

  public RawRunner start(String requestId) {
    return start(requestId, "caller-1");
  }

  public RawRunner start(String requestId, String caller) {
    return send(IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setSeq(++seq).setRequestId(requestId).setEndpoint("/predict").setCaller(caller))
        .build());
  }

  public RawRunner end(String requestId) {
    return send(IngestFrame.newBuilder().setRequestEnd(RequestEnd.newBuilder()
        .setSeq(++seq).setRequestId(requestId).setStatus(RequestStatus.REQUEST_OK)).build());
  }

  public long seq() {
    return seq;
  }

  /** Reserves {@code n} client sequence numbers for a hand-built frame; returns the first. */
  public long reserve(int n) {
    long first = seq + 1;
    seq += n;
    return first;
  }

  public void awaitWelcome() {
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> !replies.isEmpty() || ended.isDone());
  }

  /** Waits until everything sent so far is acknowledged. */
  public void awaitAcked() {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> lastAck() >= seq);
  }

  /** Waits until client sequence {@code seq} is acknowledged. */
  public void awaitAckOf(long seq) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> lastAck() >= seq || isEnded());
    if (lastAck() < seq) {
      throw new AssertionError("stream ended before seq " + seq + " was acknowledged");
    }
  }

  public long lastAck() {
    return replies.stream().filter(IngestReply::hasAck)
        .mapToLong(r -> r.getAck().getSeq()).max().orElse(0);
  }

  public List<IngestReply> replies() {
    return replies;
  }

  /** The status the stream ended with; waits for it. */
  public Status awaitEnd() throws Exception {
    return ended.get(20, TimeUnit.SECONDS);
  }

  public boolean isEnded() {
    return ended.isDone();
  }

  @Override
  public void close() {
    if (!ended.isDone()) {
      up.onCompleted();
    }
  }
}
