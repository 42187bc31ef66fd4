package dev.sluice.client;

import dev.sluice.proto.SubjectSyntax;

/**
 * Checks subject tokens and filters on the client with the broker's own rules
 * ({@link SubjectSyntax}, the one definition), so a mistake is reported before anything is
 * sent, in the same words the broker would use.
 *
 * <pre>{@code
 * Subjects.requireToken("app", "my-model");      // ok
 * Subjects.requireFilter("my-model.*.req-456");  // ok
 * Subjects.requireFilter("a..b");                // IllegalArgumentException naming token 2
 * }</pre>
 */
public final class Subjects {
  /** What every subject token must match. */
  public static final String TOKEN_PATTERN = SubjectSyntax.TOKEN_PATTERN;
  /** Tokens in every subject: app, runner, request. */
  public static final int TOKENS = SubjectSyntax.TOKENS;

  private Subjects() {}

  /** True if {@code value} is a valid subject token. */
  public static boolean isToken(String value) {
    return SubjectSyntax.isToken(value);
  }

  /** Returns {@code value} if it is a valid token; otherwise says what is wrong. */
  public static String requireToken(String label, String value) {
    String problem = SubjectSyntax.tokenProblem(label, value);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return value;
  }

  /** Returns {@code filter} if it is a valid subject filter; otherwise says what is wrong. */
  public static String requireFilter(String filter) {
    String problem = SubjectSyntax.filterProblem(filter);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return filter;
  }

  /** Quotes a value for an error message, clipped so a huge value cannot flood a terminal. */
  public static String quote(String value) {
    return SubjectSyntax.quote(value);
  }
}
