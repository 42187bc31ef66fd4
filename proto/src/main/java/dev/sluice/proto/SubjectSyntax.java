package dev.sluice.proto;

/**
 * The one definition of subject syntax, shared by the broker (which enforces it) and the
 * clients (which check it before sending). Each check returns {@code null} when the value is
 * valid, else a message that names what is wrong; callers wrap it in their own error type.
 *
 * <p>A subject is {@code <app>.<runner>.<request>}; each token matches {@value #TOKEN_PATTERN}.
 * A filter may use {@code *} (exactly one whole token) and {@code >} (one or more trailing
 * tokens, last only).
 *
 * <pre>{@code
 * SubjectSyntax.tokenProblem("app", "my model");  // "app: 'my model' is not a valid ..."
 * SubjectSyntax.filterProblem("my-model.*.req-4"); // null: valid
 * }</pre>
 */
public final class SubjectSyntax {
  /** What every subject token must match. */
  public static final String TOKEN_PATTERN = "[A-Za-z0-9_-]{1,128}";
  /** Tokens in every subject: app, runner, request. */
  public static final int TOKENS = 3;
  /** Longest token, in characters. */
  public static final int MAX_TOKEN_LENGTH = 128;
  /** The one-token wildcard. */
  public static final String ANY_ONE = "*";
  /** The trailing wildcard. */
  public static final String ANY_REST = ">";
  /**
   * Request token (and {@code Labels.request_id}) of lines outside any request; record.proto
   * defines it.
   */
  public static final String NO_REQUEST = "_";

  private SubjectSyntax() {}

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

  /** Null if {@code value} is a valid token, else a message naming {@code label}. */
  public static String tokenProblem(String label, String value) {
    return isToken(value) ? null : label + ": " + quote(value)
        + " is not a valid subject token (expected: " + TOKEN_PATTERN + ")";
  }

  /** Null if {@code filter} is a valid filter, else a message naming the offending token. */
  public static String filterProblem(String filter) {
    if (filter == null || filter.isEmpty()) {
      return "filter: must not be empty (for everything use '>')";
    }
    String[] parts = filter.split("\\.", -1);
    if (parts.length > TOKENS) {
      return "filter: " + quote(filter) + " has " + parts.length + " tokens, but subjects have "
          + TOKENS + " (<app>.<runner>.<request>)";
    }
    for (int i = 0; i < parts.length; i++) {
      String token = parts[i];
      if (token.equals(ANY_REST)) {
        if (i != parts.length - 1) {
          return "filter: " + quote(filter) + " uses '>' as token " + (i + 1)
              + ", but '>' may only be the last token";
        }
      } else if (!token.equals(ANY_ONE) && !isToken(token)) {
        return "filter: token " + (i + 1) + " " + quote(token) + " of " + quote(filter)
            + " is not valid (expected: " + TOKEN_PATTERN + ", or a whole-token '*' or '>')";
      }
    }
    if (parts.length < TOKENS && !parts[parts.length - 1].equals(ANY_REST)) {
      return "filter: " + quote(filter) + " has " + parts.length + " tokens and no trailing '>',"
          + " so it can never match a subject of " + TOKENS + " tokens (did you mean '"
          + filter + ".>'?)";
    }
    return null;
  }

  /** Quotes a value for a message, clipped so a huge value cannot flood a log or terminal. */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    return "'" + (value.length() > 64 ? value.substring(0, 64) + "..." : value) + "'";
  }
}
