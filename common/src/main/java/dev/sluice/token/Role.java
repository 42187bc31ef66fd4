package dev.sluice.token;

import java.util.Locale;

/** What a token's holder may do; see the README's roles table. */
public enum Role {
  /** Publishes the logs of its token's app; reads nothing. */
  RUNNER,
  /** Reads every subject of its account. */
  MEMBER,
  /** As member, and manages drains and app policy. */
  ADMIN,
  /** Reads only the logs of requests that named it as caller. */
  CALLER;

  /** The name in a token's {@code role} claim. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role for a claim value; null if there is none. */
  public static Role fromWire(String value) {
    for (Role role : values()) {
      if (role.wireName().equals(value)) {
        return role;
      }
    }
    return null;
  }
}
