package dev.sluice.broker.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.stats.Stats;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signature of a token is checked once, whether the token is good or refused. */
class RefusedTokenCacheTest {
  private final KeyPair issuer = IssuerKeys.generate();
  private final Stats stats = new Stats();
  private final TokenAccess access = new TokenAccess(
      new Tokens.Verifier(List.of(issuer.getPublic())), new AppPolicies(), Clock.systemUTC(),
      stats);

  @Test
  void repeatedForgedTokenCostsOneSignatureCheck() {
    KeyPair other = IssuerKeys.generate();
    String forged = Tokens.mint(Tokens.claims("x", "acme", Role.ADMIN, "", Duration.ofHours(1),
        Instant.now()), other.getPrivate(), other.getPublic());
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> access.authenticate("Bearer " + forged))
          .isInstanceOf(SluiceException.class).hasMessageContaining("forged token or wrong issuer");
    }
    assertThat(access.verifications()).isEqualTo(1);
    assertThat(stats.value("access.token_verifications")).isEqualTo(1);
    assertThat(stats.value("access.tokens_refused")).isEqualTo(5);
  }

  @Test
  void validTokenIsVerifiedOnceThenServedFromTheCache() {
    String token = Tokens.mint(Tokens.claims("bob", "acme", Role.MEMBER, "", Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
    for (int i = 0; i < 5; i++) {
      assertThat(access.authenticate("Bearer " + token).account()).isEqualTo("acme");
    }
    assertThat(access.verifications()).isEqualTo(1);
  }
}
