package dev.sluice.client.runner;

import dev.sluice.proto.v1.IngestReply;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One Ingest stream. Its callbacks run on the transport thread and only report to the
 * {@link LinkState}; a stream that is no longer the current one is ignored there. Only the
 * sender thread sends, half-closes or cancels.
 */
final class IngestAttempt implements ClientResponseObserver<Frames.Out, IngestReply> {
  private final LinkState state;
  private volatile ClientCallStreamObserver<Frames.Out> out;

  IngestAttempt(LinkState state) {
    this.state = state;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Frames.Out> requestStream) {
    out = requestStream;
    requestStream.setOnReadyHandler(() -> state.onReady(this));
  }

  @Override
  public void onNext(IngestReply reply) {
    state.onReply(this, reply);
  }

  @Override
  public void onError(Throwable t) {
    state.onEnd(this, Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    state.onEnd(this, null);
  }

  /** True while the transport takes more without buffering (HTTP/2 flow control). */
  boolean isReady() {
    return out.isReady();
  }

  void send(Frames.Out frame) {
    try {
      out.onNext(frame);
    } catch (RuntimeException e) {
      // The call was already closed under us; treat it like any broken stream.
      state.onEnd(this, Status.UNAVAILABLE.withDescription("send failed: " + e.getMessage()));
    }
  }

  void halfClose() {
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      state.onEnd(this, Status.UNAVAILABLE.withDescription("half-close failed: " + e.getMessage()));
    }
  }

  void cancel(String reason) {
    out.cancel(reason, null);
  }
}
