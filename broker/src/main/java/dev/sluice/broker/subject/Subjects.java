package dev.sluice.broker.subject;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.SubjectSyntax;

/**
 * The broker's subject checks: {@link SubjectSyntax}'s rules (the one definition, shared with
 * the clients), failing with INVALID_ARGUMENT and a message that names what was checked.
 * Nothing is ever rewritten silently.
 *
 * <p>A subject is {@code <app>.<runner>.<request>}; lines outside any request use the request
 * token {@value #NO_REQUEST}.
 */
public final class Subjects {
  /** Subject tokens of every subject. */
  public static final int TOKENS = SubjectSyntax.TOKENS;
  /** Longest token, in characters. */
  public static final int MAX_TOKEN_LENGTH = SubjectSyntax.MAX_TOKEN_LENGTH;
  /** Request token of lines that belong to no request. */
  public static final String NO_REQUEST = SubjectSyntax.NO_REQUEST;

  private Subjects() {}

  /** Returns {@code value} if it is a valid token, else throws INVALID_ARGUMENT naming it. */
  public static String token(String label, String value) {
    String problem = SubjectSyntax.tokenProblem(label, value);
    if (problem != null) {
      throw SluiceException.invalid(problem);
    }
    return value;
  }

  /** True if {@code value} is a valid subject token. */
  public static boolean isToken(String value) {
    return SubjectSyntax.isToken(value);
  }

  /** The subject of a record; the tokens must already be valid. */
  public static String subject(String app, String runner, String request) {
    return app + '.' + runner + '.' + request;
  }

  /** Parses and validates a filter, see {@link SubjectFilter}. */
  public static SubjectFilter filter(String filter) {
    return SubjectFilter.parse(filter);
  }
}
