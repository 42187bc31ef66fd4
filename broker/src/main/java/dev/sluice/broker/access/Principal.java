package dev.sluice.broker.access;

import dev.sluice.token.Role;
import java.time.Instant;
import java.util.Objects;

/**
 * Who is calling, as the access proxy established it.
 *
 * @param id principal id (a token's {@code sub})
 * @param account the account (owner or team) the principal belongs to
 * @param role what the principal may do
 * @param app the app the token is scoped to; empty for none
 * @param expires when the token expires; null when it never does (a broker without tokens)
 */
public record Principal(String id, String account, Role role, String app, Instant expires) {
  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(app, "app");
  }
}
