package dev.sluice.broker.subject;

import dev.sluice.broker.error.SluiceException;

/**
 * The one validator for subject tokens, subjects and filters. Every check names what it
 * checked ({@code label}) and what was expected; nothing is ever rewritten silently.
 *
 * <p>A subject is {@code <app>.<runner>.<request>}; each token matches
 * {@code [A-Za-z0-9_-]{1,128}}. Lines outside any request use the request token
 * {@value #NO_REQUEST}.
 */
public final class Subjects {
  /** Subject tokens of every subject. */
  public static final int TOKENS = 3;
  /** Longest token, in characters. */
  public static final int MAX_TOKEN_LENGTH = 128;
  /** Request token of lines that belong to no request. */
  public static final String NO_REQUEST = "_";

  private static final String EXPECTED = "[A-Za-z0-9_-]{1,128}";

  private Subjects() {}

  /** Returns {@code value} if it is a valid token, else throws INVALID_ARGUMENT naming it. */
  public static String token(String label, String value) {
    if (!isToken(value)) {
      throw SluiceException.invalid(
          label + ": " + quote(value) + " is not a valid subject token (expected: " + EXPECTED + ")");
    }
    return value;
  }

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

  /** The subject of a record; the tokens must already be valid. */
  public static String subject(String app, String runner, String request) {
    return app + '.' + runner + '.' + request;
  }

  /** Parses and validates a filter, see {@link SubjectFilter}. */
  public static SubjectFilter filter(String filter) {
    return SubjectFilter.parse(filter);
  }

  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > 64 ? value.substring(0, 64) + "..." : value;
    return "'" + shown + "'";
  }
}
