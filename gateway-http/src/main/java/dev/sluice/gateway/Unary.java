package dev.sluice.gateway;

import io.grpc.stub.StreamObserver;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.BiConsumer;

/** A unary broker call as a Vert.x future completed on the HTTP request's event loop. */
final class Unary {
  private Unary() {}

  static <Q, A> Future<A> call(Context context, BiConsumer<Q, StreamObserver<A>> method,
      Q request) {
    Promise<A> promise = Promise.promise();
    method.accept(request, new StreamObserver<>() {
      private A answer;

      @Override
      public void onNext(A value) {
        answer = value;
      }

      @Override
      public void onError(Throwable t) {
        context.runOnContext(v -> promise.fail(t));
      }

      @Override
      public void onCompleted() {
        A value = answer;
        context.runOnContext(v -> promise.complete(value));
      }
    });
    return promise.future();
  }
}
