package dev.sluice.client.tail;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A live tail delivered to a callback, from
 * {@link SluiceSubscriber#tail(TailRequest, Consumer)}.
 *
 * <pre>{@code
 * TailHandle handle = subscriber.tail(request, event -> print(event));
 * handle.done().whenComplete((ok, error) -> ...);  // error: a StatusRuntimeException
 * handle.close();                                    // cancels the call
 * }</pre>
 *
 * <p>The callback runs on a gRPC executor thread, one call at a time, in delivery order. The
 * next message is requested only after the callback has returned for every event of the
 * previous one, so a slow callback pushes back to the broker instead of piling up here. A
 * callback that throws cancels the tail, and {@link #done()} completes with that exception.
 */
public final class TailHandle implements AutoCloseable {
  private final Context.CancellableContext context = Context.current().withCancellation();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Consumer<TailEvent> onEvent;

  private TailHandle(Consumer<TailEvent> onEvent) {
    this.onEvent = onEvent;
  }

  static TailHandle start(LogsGrpc.LogsStub stub, TailRequest request,
      Consumer<TailEvent> onEvent) {
    TailHandle h = new TailHandle(onEvent);
    h.context.run(() -> TailMessage.call(stub, request, h.new Observer()));
    return h;
  }

  /**
   * Completes normally when the broker ends the tail or it is closed, exceptionally with a
   * {@link StatusRuntimeException} when the broker ends it with an error.
   */
  public CompletionStage<Void> done() {
    return done.minimalCompletionStage();
  }

  /** Cancels the call. */
  @Override
  public void close() {
    done.complete(null);
    context.cancel(null);
  }

  private final class Observer implements ClientResponseObserver<TailRequest, TailMessage> {
    private ClientCallStreamObserver<TailRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<TailRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(TailMessage response) {
      try {
        for (int i = 0, n = response.events(); i < n && !done.isDone(); i++) {
          onEvent.accept(response.event(i));
        }
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
        context.cancel(e);
        return;
      }
      call.request(1);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t instanceof StatusRuntimeException e ? e
          : Status.fromThrowable(t).asRuntimeException());
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }
}
