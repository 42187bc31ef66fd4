package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.error.SluiceException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Authenticates every call through the access proxy before any service code runs, and puts
 * the principal in the call's context. The header value is never logged or echoed.
 */
final class AuthInterceptor implements ServerInterceptor {
  static final Context.Key<Principal> PRINCIPAL = Context.key("sluice-principal");
  static final Context.Key<String> CONNECTION = Context.key("sluice-connection");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AccessProxy access;

  AuthInterceptor(AccessProxy access) {
    this.access = access;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal principal;
    try {
      principal = access.authenticate(headers.get(AUTHORIZATION));
    } catch (SluiceException e) {
      // Close on the next turn of the call's event loop: the GrpcIo bridge attaches its
      // listener only after this method returns, and closing before that fails inside it.
      Runnable refuse = () -> call.close(Statuses.status(e), new Metadata());
      io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
      if (context != null) {
        context.runOnContext(v -> refuse.run());
      } else {
        refuse.run();
      }
      return new ServerCall.Listener<>() {};
    }
    String connection = ConnectionGuard.connectionOf(call);
    return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal)
        .withValue(CONNECTION, connection), call, headers, next);
  }

  static Principal principal() {
    return PRINCIPAL.get();
  }

  /** The client's connection, as {@link ConnectionCalls#key}; null if unknown. */
  static String connection() {
    return CONNECTION.get();
  }
}
