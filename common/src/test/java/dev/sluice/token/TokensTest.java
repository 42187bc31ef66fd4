package dev.sluice.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
  private final KeyPair issuer = IssuerKeys.generate();
  private final Tokens.Verifier verifier = new Tokens.Verifier(List.of(issuer.getPublic()));

  private String mint(KeyPair keys, Role role, String app, Duration ttl) {
    return Tokens.mint(Tokens.claims("alice", "acme", role, app, ttl, NOW),
        keys.getPrivate(), keys.getPublic());
  }

  @Test
  void roundTripsEveryClaim() throws Exception {
    String token = mint(issuer, Role.RUNNER, "my-model", Duration.ofHours(24));
    TokenClaims claims = verifier.verify(token, NOW.plusSeconds(5));
    assertThat(claims.subject()).isEqualTo("alice");
    assertThat(claims.account()).isEqualTo("acme");
    assertThat(claims.role()).isEqualTo(Role.RUNNER);
    assertThat(claims.app()).isEqualTo("my-model");
    assertThat(claims.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(claims.id()).isNotBlank();
    String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]),
        StandardCharsets.UTF_8);
    assertThat(header).contains("\"alg\":\"EdDSA\"").contains("\"typ\":\"JWT\"")
        .contains("\"kid\":\"" + IssuerKeys.keyId(issuer.getPublic()) + "\"");
  }

  @Test
  void refusesForgedPayload() {
    String[] parts = mint(issuer, Role.MEMBER, "", Duration.ofHours(1)).split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"member\"", "\"admin\"");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertRefused(forged, TokenException.Reason.UNTRUSTED_SIGNATURE);
  }

  @Test
  void refusesTokenOfAnotherIssuer() {
    assertRefused(mint(IssuerKeys.generate(), Role.ADMIN, "", Duration.ofHours(1)),
        TokenException.Reason.UNTRUSTED_SIGNATURE);
  }

  @Test
  void acceptsOldAndNewKeyDuringRotationAndRefusesARemovedKey() throws Exception {
    KeyPair next = IssuerKeys.generate();
    Tokens.Verifier both = new Tokens.Verifier(List.of(issuer.getPublic(), next.getPublic()));
    assertThat(both.verify(mint(issuer, Role.MEMBER, "", Duration.ofHours(1)), NOW).role())
        .isEqualTo(Role.MEMBER);
    assertThat(both.verify(mint(next, Role.ADMIN, "", Duration.ofHours(1)), NOW).role())
        .isEqualTo(Role.ADMIN);
    Tokens.Verifier onlyNext = new Tokens.Verifier(List.of(next.getPublic()));
    assertThatThrownBy(() -> onlyNext.verify(mint(issuer, Role.MEMBER, "", Duration.ofHours(1)),
        NOW)).isInstanceOfSatisfying(TokenException.class, e ->
        assertThat(e.reason()).isEqualTo(TokenException.Reason.UNTRUSTED_SIGNATURE));
  }

  @Test
  void refusesExpiredToken() {
    String token = mint(issuer, Role.MEMBER, "", Duration.ofMinutes(5));
    assertThatThrownBy(() -> verifier.verify(token, NOW.plus(Duration.ofMinutes(5))))
        .isInstanceOfSatisfying(TokenException.class, e -> {
          assertThat(e.reason()).isEqualTo(TokenException.Reason.EXPIRED);
          assertThat(e.getMessage()).startsWith("expired at 2026-11-21T12:05:00Z");
        });
  }

  @Test
  void refusesMalformedTokensWithoutEchoingThem() {
    assertRefused("", TokenException.Reason.MISSING);
    assertRefused("not-a-jwt", TokenException.Reason.MALFORMED);
    assertRefused("a.b.c.d", TokenException.Reason.MALFORMED);
    assertRefused("%%%.e30.e30", TokenException.Reason.MALFORMED);
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String[] parts = mint(issuer, Role.MEMBER, "", Duration.ofHours(1)).split("\\.");
    assertRefused(none + "." + parts[1] + ".", TokenException.Reason.MALFORMED);
    String secretish = "x".repeat(10) + "SECRET" + "." + parts[1] + "." + parts[2];
    assertThatThrownBy(() -> verifier.verify(secretish, NOW))
        .hasMessageNotContaining("SECRET").hasMessageNotContaining(parts[1]);
  }

  @Test
  void keyFilesRoundTripAndThePrivateKeyIsOwnerOnly(@TempDir Path dir) throws Exception {
    IssuerKeys.write(issuer, dir);
    assertThat(Files.getPosixFilePermissions(dir.resolve(IssuerKeys.PRIVATE_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    KeyPair read = new KeyPair(IssuerKeys.readPublic(dir.resolve(IssuerKeys.PUBLIC_FILE)),
        IssuerKeys.readPrivate(dir.resolve(IssuerKeys.PRIVATE_FILE)));
    String token = mint(read, Role.CALLER, "", Duration.ofHours(1));
    assertThat(verifier.verify(token, NOW).role()).isEqualTo(Role.CALLER);
  }

  private void assertRefused(String token, TokenException.Reason reason) {
    assertThatThrownBy(() -> verifier.verify(token, NOW))
        .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
