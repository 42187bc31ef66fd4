package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The one way a token goes on a call: the header, and never the token in a string. */
class TokenCredentialsTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void putsTheBearerHeaderAndHidesTheToken() {
    CallCredentials credentials = TokenCredentials.of("secret.token.value");
    assertThat(applied(credentials).get(AUTHORIZATION)).isEqualTo("Bearer secret.token.value");
    assertThat(credentials.toString()).doesNotContain("secret");
    assertThat(applied(TokenCredentials.of(null)).containsKey(AUTHORIZATION)).isFalse();
    assertThat(applied(TokenCredentials.of("")).containsKey(AUTHORIZATION)).isFalse();
  }

  private static Metadata applied(CallCredentials credentials) {
    AtomicReference<Metadata> out = new AtomicReference<>();
    credentials.applyRequestMetadata(null, Runnable::run, new CallCredentials.MetadataApplier() {
      @Override
      public void apply(Metadata headers) {
        out.set(headers);
      }

      @Override
      public void fail(Status status) {
        throw status.asRuntimeException();
      }
    });
    return out.get();
  }
}
