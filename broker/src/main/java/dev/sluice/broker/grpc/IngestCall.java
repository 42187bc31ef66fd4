package dev.sluice.broker.grpc;

import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.ingest.IngestSession;
import dev.sluice.proto.v1.Ack;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestReply;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Adapts one Ingest stream to an {@link IngestSession}. Flow control both ways: at most
 * {@link #WINDOW} frames are in flight to the store (the runner is pushed back through HTTP/2
 * flow control beyond that), and acks are cumulative, so when the runner does not read them
 * only the newest one waits for the transport to become ready instead of a growing queue.
 * Everything runs on the call's event loop.
 */
final class IngestCall implements StreamObserver<Object> {
  /** Frames read ahead while earlier ones are being stored. */
  static final int WINDOW = 16;
  /** A quiet session's untold shed lines wait at most this long (as the marker's own rate). */
  static final long SHED_FLUSH_MS = 1_000;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IngestCall.class);

  /**
   * The call's reply side and read control, on whichever transport carries it: the raw
   * HTTP/2 endpoint ({@link Http2Ingest}) or a gRPC library's call ({@link #of}).
   */
  interface Replies {
    /** Lets {@code frames} more frames be read. */
    void request(int frames);

    boolean isReady();

    void send(IngestReply reply);

    /** Ends the call with {@code status}. */
    void fail(StatusRuntimeException status);

    /** Ends the call with OK. */
    void complete();

    void onReady(Runnable ready);

    /** Runs {@code cancelled} if the client cancels or the stream breaks. */
    void onCancel(Runnable cancelled);

    /** A gRPC library's server call as replies. */
    static Replies of(ServerCallStreamObserver<IngestReply> out) {
      out.disableAutoRequest();
      return new Replies() {
        @Override
        public void request(int frames) {
          out.request(frames);
        }

        @Override
        public boolean isReady() {
          return out.isReady();
        }

        @Override
        public void send(IngestReply reply) {
          out.onNext(reply);
        }

        @Override
        public void fail(StatusRuntimeException status) {
          out.onError(status);
        }

        @Override
        public void complete() {
          out.onCompleted();
        }

        @Override
        public void onReady(Runnable ready) {
          out.setOnReadyHandler(ready);
        }

        @Override
        public void onCancel(Runnable cancelled) {
          out.setOnCancelHandler(cancelled);
        }
      };
    }
  }

  private final IngestSession session;
  private final Replies out;
  private final GrpcFrontend.ActiveCalls calls;
  private final Context context;
  private final Promise<Void> finished = Promise.promise();
  private boolean welcomed;
  private int inFlight;
  private Ack pendingAck;
  private boolean done;
  private boolean halfClosed;
  private boolean draining;
  private boolean ending;
  private long shedTimer = -1;
  private volatile Runnable onEnd;

  IngestCall(IngestSession session, Replies out, GrpcFrontend.ActiveCalls calls) {
    this.session = session;
    this.out = out;
    this.calls = calls;
    // Both transports call us on the connection's event loop; everything stays there.
    this.context = Vertx.currentContext();
    out.onReady(this::flushAck);
    out.onCancel(this::finished);
    out.request(1);
    calls.add(this);
  }

  @Override
  public void onNext(Object received) {
    if (done || draining) {
      return;
    }
    IngestFrames.In in = IngestFrames.In.of(received);
    try {
      if (!welcomed) {
        IngestFrame frame = in.frame() != null ? in.frame()
            : IngestFrame.newBuilder().setBatch(dev.sluice.proto.v1.LogBatch.getDefaultInstance())
                .build(); // a batch first: hello() refuses it by its kind
        out.send(IngestReply.newBuilder().setWelcome(session.hello(frame)).build());
        welcomed = true;
        out.request(WINDOW);
        return;
      }
      // Throws for a frame that breaks the protocol.
      Future<Ack> stored = in.batch() != null ? session.batch(in.batch())
          : session.frame(in.frame());
      inFlight++;
      stored.onComplete(result -> {
        inFlight--;
        if (result.failed()) {
          fail(result.cause());
          return;
        }
        ack(result.result());
        if (!draining && !halfClosed) {
          out.request(1);
        }
        scheduleShedFlush();
        maybeFinish();
      });
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void ack(Ack ack) {
    if (pendingAck == null) {
      pendingAck = ack;
    } else {
      // Coalesce: the newest position, and every split counted since the last Ack sent.
      Ack newer = ack.getSeq() >= pendingAck.getSeq() ? ack : pendingAck;
      pendingAck = newer.toBuilder()
          .setSplitLines(pendingAck.getSplitLines() + ack.getSplitLines()).build();
    }
    flushAck();
  }

  private void flushAck() {
    if (done || pendingAck == null || !out.isReady()) {
      return;
    }
    out.send(IngestReply.newBuilder().setAck(pendingAck).build());
    pendingAck = null;
  }

  @Override
  public void onError(Throwable t) {
    finished();
  }

  @Override
  public void onCompleted() {
    halfClosed = true;
    maybeFinish();
  }

  /** Stops reading, lets stored frames be acked, then tells the runner to reconnect. */
  Future<Void> shutdown() {
    context.runOnContext(v -> {
      draining = true;
      maybeFinish();
    });
    return finished.future();
  }

  private void maybeFinish() {
    if (done || inFlight > 0) {
      return;
    }
    if (halfClosed) {
      sendFinalAck();
      done = true;
      out.complete();
      finished();
    } else if (draining) {
      sendFinalAck();
      fail(new SluiceException(Failure.UNAVAILABLE,
          "broker is shutting down; every acked line is stored, reconnect to continue"));
    }
  }

  private void sendFinalAck() {
    if (pendingAck != null && !done) {
      // The last ack goes out even if the transport reports not ready: it is one message.
      out.send(IngestReply.newBuilder().setAck(pendingAck).build());
      pendingAck = null;
    }
  }

  private void fail(Throwable failure) {
    if (done) {
      return;
    }
    done = true;
    out.fail(Statuses.toStatus(failure));
    finished();
  }

  /**
   * Lines shed and not yet told (the SHED record goes out at most once a second, with a
   * batch) are told within a second even if no batch follows.
   */
  private void scheduleShedFlush() {
    if (shedTimer >= 0 || done || session.shedPending() == 0) {
      return;
    }
    shedTimer = context.owner().setTimer(SHED_FLUSH_MS, id -> {
      shedTimer = -1;
      if (!done) {
        session.flushShed().onFailure(e -> LOG.warn("ingest: storing a SHED record failed: {}",
            e.toString()));
      }
    });
  }

  private void finished() {
    if (finished.future().isComplete() || ending) {
      return;
    }
    ending = true;
    done = true;
    if (shedTimer >= 0) {
      context.owner().cancelTimer(shedTimer);
      shedTimer = -1;
    }
    // What was shed and not yet told is stored before the call counts as ended: a shutdown
    // waits for it, so every shed line is told.
    session.flushShed().onComplete(stored -> {
      if (stored.failed()) {
        LOG.warn("ingest: storing the last SHED record failed: {}", stored.cause().toString());
      }
      calls.remove(this);
      finished.tryComplete();
      Runnable end = onEnd;
      if (end != null) {
        end.run();
      }
    });
  }

  /** Runs {@code action} once the call ended (for example, to unregister it). */
  void onEnd(Runnable action) {
    this.onEnd = action;
  }

  /** The client's connection closed without cancelling the stream. */
  void connectionLost() {
    context.runOnContext(v -> finished());
  }
}
