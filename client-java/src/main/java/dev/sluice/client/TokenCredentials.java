package dev.sluice.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * A Sluice access token as gRPC call credentials ({@code authorization: Bearer <token>}): the
 * one place every client of the broker (runner, subscriber, command line, HTTP gateway) puts
 * its token on a call.
 *
 * <pre>{@code
 * LogsGrpc.newStub(channel).withCallCredentials(TokenCredentials.of(token));
 * }</pre>
 */
public final class TokenCredentials extends CallCredentials {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Metadata headers = new Metadata();

  private TokenCredentials(String token) {
    headers.put(AUTHORIZATION, "Bearer " + token);
  }

  /**
   * Credentials sending {@code token}; with a null or empty token, credentials that send
   * nothing (the broker then says a token is missing, unless it runs without tokens).
   */
  public static CallCredentials of(String token) {
    return token == null || token.isEmpty() ? NONE : new TokenCredentials(token);
  }

  private static final CallCredentials NONE = new CallCredentials() {
    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier apply) {
      apply.apply(new Metadata());
    }
  };

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier apply) {
    Metadata copy = new Metadata();
    copy.merge(headers); // the applier may keep what it is given
    apply.apply(copy);
  }

  @Override
  public String toString() {
    return "TokenCredentials[Bearer ***]"; // never the token: toString ends up in logs
  }
}
