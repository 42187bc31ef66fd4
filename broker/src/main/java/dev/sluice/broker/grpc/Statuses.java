package dev.sluice.broker.grpc;

import dev.sluice.broker.error.SluiceException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that maps broker failures to gRPC status. */
final class Statuses {
  private static final Logger LOG = LoggerFactory.getLogger(Statuses.class);

  private Statuses() {}

  static StatusRuntimeException toStatus(Throwable failure) {
    if (failure instanceof SluiceException e) {
      return status(e).asRuntimeException();
    }
    if (failure instanceof StatusRuntimeException e) {
      return e;
    }
    // Unexpected: log the details here, tell the client only that it was ours.
    LOG.error("internal error", failure);
    return Status.INTERNAL.withDescription("internal broker error; see the broker log")
        .asRuntimeException();
  }

  static Status status(SluiceException e) {
    Status base = switch (e.failure()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
      case INTERNAL -> Status.INTERNAL;
    };
    return base.withDescription(e.getMessage());
  }

  /**
   * Runs a unary call's work and answers with its result or its failure, mapped here. A
   * failure thrown before the future exists (validation, access) is answered the same way.
   */
  static <T> void answer(StreamObserver<T> out, Supplier<Future<T>> work) {
    Future<T> result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        out.onNext(ar.result());
        out.onCompleted();
      } else {
        out.onError(toStatus(ar.cause()));
      }
    });
  }
}
