package dev.sluice.client;

/**
 * Checks subject tokens and subject filters on the client, with the same rules and the same
 * kind of messages as the broker, so a mistake is reported before anything is sent.
 *
 * <p>A subject is {@code <app>.<runner>.<request>}; each token matches {@value #TOKEN_PATTERN}.
 * A filter may use {@code *} (exactly one whole token) and {@code >} (one or more trailing
 * tokens, last only).
 *
 * <pre>{@code
 * Subjects.requireToken("app", "my-model");      // ok
 * Subjects.requireFilter("my-model.*.req-456");  // ok
 * Subjects.requireFilter("a..b");                // IllegalArgumentException naming token 2
 * }</pre>
 */
public final class Subjects {
  /** What every subject token must match. */
  public static final String TOKEN_PATTERN = "[A-Za-z0-9_-]{1,128}";
  /** Tokens in every subject: app, runner, request. */
  public static final int TOKENS = 3;

  private static final int MAX_TOKEN_LENGTH = 128;

  private Subjects() {}

  /** True if {@code value} is a valid subject token. */
  public static boolean isToken(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_TOKEN_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns {@code value} if it is a valid token; otherwise throws an
   * {@link IllegalArgumentException} like {@code app: 'a b' (expected: [A-Za-z0-9_-]{1,128})}.
   */
  public static String requireToken(String label, String value) {
    if (!isToken(value)) {
      throw new IllegalArgumentException(
          label + ": " + quote(value) + " (expected: " + TOKEN_PATTERN + ")");
    }
    return value;
  }

  /** Returns {@code filter} if it is a valid subject filter; otherwise says what is wrong. */
  public static String requireFilter(String filter) {
    if (filter == null || filter.isEmpty()) {
      throw new IllegalArgumentException("filter: must not be empty (for everything use '>')");
    }
    String[] parts = filter.split("\\.", -1);
    if (parts.length > TOKENS) {
      throw new IllegalArgumentException("filter: " + quote(filter) + " has " + parts.length
          + " tokens, but subjects have " + TOKENS + " (<app>.<runner>.<request>)");
    }
    for (int i = 0; i < parts.length; i++) {
      String token = parts[i];
      if (token.equals(">")) {
        if (i != parts.length - 1) {
          throw new IllegalArgumentException("filter: " + quote(filter) + " uses '>' as token "
              + (i + 1) + ", but '>' may only be the last token");
        }
      } else if (!token.equals("*") && !isToken(token)) {
        throw new IllegalArgumentException("filter: token " + (i + 1) + " " + quote(token)
            + " of " + quote(filter) + " is not valid (expected: " + TOKEN_PATTERN
            + ", or a whole-token '*' or '>')");
      }
    }
    if (parts.length < TOKENS && !parts[parts.length - 1].equals(">")) {
      throw new IllegalArgumentException("filter: " + quote(filter) + " has " + parts.length
          + " tokens and no trailing '>', so it can never match a subject of " + TOKENS
          + " tokens (did you mean '" + filter + ".>'?)");
    }
    return filter;
  }

  /** Quotes a value for an error message, clipped so a huge value cannot flood a terminal. */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    return "'" + (value.length() > 64 ? value.substring(0, 64) + "..." : value) + "'";
  }
}
