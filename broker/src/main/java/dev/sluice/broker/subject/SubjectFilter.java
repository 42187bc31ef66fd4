package dev.sluice.broker.subject;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.SubjectSyntax;
import java.util.List;

/**
 * A validated subject filter with NATS wildcards: {@code *} matches exactly one token and must
 * be a whole token; {@code >} matches one or more trailing tokens and must be the last token.
 * Because every subject has {@value Subjects#TOKENS} tokens, a filter that could never match
 * one (too many tokens) is refused rather than accepted and silently empty.
 *
 * <pre>{@code
 * SubjectFilter f = SubjectFilter.parse("my-model.*.req-456");
 * f.matches("my-model.runner-1.req-456"); // true
 * }</pre>
 */
public final class SubjectFilter {
  static final String ANY_ONE = SubjectSyntax.ANY_ONE;
  static final String ANY_REST = SubjectSyntax.ANY_REST;

  private final String text;
  private final List<String> tokens;

  private SubjectFilter(String text, List<String> tokens) {
    this.text = text;
    this.tokens = tokens;
  }

  /** Parses {@code filter}; INVALID_ARGUMENT with the offending token otherwise. */
  public static SubjectFilter parse(String filter) {
    String problem = SubjectSyntax.filterProblem(filter);
    if (problem != null) {
      throw SluiceException.invalid(problem);
    }
    return new SubjectFilter(filter, List.of(split(filter)));
  }

  /** The first token (the app, or a wildcard). */
  public String firstToken() {
    return tokens.get(0);
  }

  /** True if the app and the request tokens are literal (the runner may be {@code *}). */
  public boolean isLiteralAppAndRequest() {
    return tokens.size() == Subjects.TOKENS && isLiteral(tokens.get(0)) && isLiteral(tokens.get(2));
  }

  /**
   * The literal token at {@code index} (0 app, 1 runner, 2 request), or null where the filter
   * has a wildcard: what an index may use to skip data that cannot match.
   */
  public String literal(int index) {
    for (int i = 0; i <= index; i++) {
      if (i >= tokens.size() || tokens.get(i).equals(ANY_REST)) {
        return null;
      }
    }
    String token = tokens.get(index);
    return isLiteral(token) ? token : null;
  }

  private static boolean isLiteral(String token) {
    return !token.equals(ANY_ONE) && !token.equals(ANY_REST);
  }

  /** The tokens of the filter, wildcards included. */
  List<String> tokens() {
    return tokens;
  }

  /** True if this filter matches {@code subject} (a valid, dot-separated subject). */
  public boolean matches(String subject) {
    return matches(split(subject));
  }

  boolean matches(String[] subjectTokens) {
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      if (token.equals(ANY_REST)) {
        return subjectTokens.length > i;
      }
      if (i >= subjectTokens.length) {
        return false;
      }
      if (!token.equals(ANY_ONE) && !token.equals(subjectTokens[i])) {
        return false;
      }
    }
    return subjectTokens.length == tokens.size();
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubjectFilter other && other.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  static String[] split(String subject) {
    return subject.split("\\.", -1);
  }
}
