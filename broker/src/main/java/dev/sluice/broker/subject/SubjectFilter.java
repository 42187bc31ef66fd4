package dev.sluice.broker.subject;

import dev.sluice.broker.error.SluiceException;
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
  static final String ANY_ONE = "*";
  static final String ANY_REST = ">";

  private final String text;
  private final List<String> tokens;

  private SubjectFilter(String text, List<String> tokens) {
    this.text = text;
    this.tokens = tokens;
  }

  /** Parses {@code filter}; INVALID_ARGUMENT with the offending token otherwise. */
  public static SubjectFilter parse(String filter) {
    if (filter == null || filter.isEmpty()) {
      throw SluiceException.invalid("filter: must not be empty (for everything use '>')");
    }
    String[] parts = filter.split("\\.", -1);
    if (parts.length > Subjects.TOKENS) {
      throw SluiceException.invalid("filter: " + Subjects.quote(filter) + " has " + parts.length
          + " tokens, but subjects have " + Subjects.TOKENS + " (<app>.<runner>.<request>)");
    }
    for (int i = 0; i < parts.length; i++) {
      String token = parts[i];
      if (token.equals(ANY_REST)) {
        if (i != parts.length - 1) {
          throw SluiceException.invalid("filter: " + Subjects.quote(filter)
              + " uses '>' as token " + (i + 1) + ", but '>' may only be the last token");
        }
      } else if (!token.equals(ANY_ONE) && !Subjects.isToken(token)) {
        throw SluiceException.invalid("filter: token " + (i + 1) + " " + Subjects.quote(token)
            + " of " + Subjects.quote(filter)
            + " is not valid (expected: [A-Za-z0-9_-]{1,128}, or a whole-token '*' or '>')");
      }
    }
    if (parts.length < Subjects.TOKENS && !parts[parts.length - 1].equals(ANY_REST)) {
      throw SluiceException.invalid("filter: " + Subjects.quote(filter) + " has " + parts.length
          + " tokens and no trailing '>', so it can never match a subject of "
          + Subjects.TOKENS + " tokens (did you mean '" + filter + ".>'?)");
    }
    return new SubjectFilter(filter, List.of(parts));
  }

  /** The tokens of the filter, wildcards included. */
  List<String> tokens() {
    return tokens;
  }

  /** True if this filter matches {@code subject} (a valid, dot-separated subject). */
  public boolean matches(String subject) {
    return matches(subject.split("\\.", -1));
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
