package dev.sluice.token;

import java.time.Instant;
import java.util.Objects;

/**
 * What a token says about its holder.
 *
 * @param subject principal id ({@code sub})
 * @param account account, the owner or team ({@code acct})
 * @param role what the holder may do ({@code role})
 * @param app app scope ({@code app}); empty for none. A runner token always has one.
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}
 * @param id unique token id ({@code jti})
 */
public record TokenClaims(String subject, String account, Role role, String app,
    Instant issuedAt, Instant expiresAt, String id) {
  public TokenClaims {
    requireText(subject, "subject");
    requireText(account, "account");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    requireText(id, "id");
    if (!expiresAt.isAfter(issuedAt)) {
      throw new IllegalArgumentException("expiresAt: " + expiresAt + " (expected: after "
          + issuedAt + ")");
    }
    if (role == Role.RUNNER && app.isEmpty()) {
      throw new IllegalArgumentException("app: a runner token needs an app");
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + ": must not be empty");
    }
  }
}
