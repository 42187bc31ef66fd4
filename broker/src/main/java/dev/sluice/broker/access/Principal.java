package dev.sluice.broker.access;

import java.util.Objects;

/**
 * Who is calling, as the access proxy established it.
 *
 * @param id principal id (a token's {@code sub})
 * @param account the account (owner or team) the principal belongs to
 * @param role what the principal may do
 */
public record Principal(String id, String account, Role role) {
  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(role, "role");
  }

  /** Roles, as DESIGN.md defines them. */
  public enum Role {
    RUNNER, MEMBER, ADMIN, CALLER
  }
}
