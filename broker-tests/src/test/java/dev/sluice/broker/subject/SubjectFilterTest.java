package dev.sluice.broker.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NATS wildcard semantics of {@link SubjectFilter} over three-token subjects, and the one
 * validator's refusals: INVALID_ARGUMENT with a message that names what was wrong.
 */
class SubjectFilterTest {
  private static final String LONG_TOKEN = "t".repeat(Subjects.MAX_TOKEN_LENGTH + 1);

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
      // '>' alone: every subject (at least one token).
      ">,             app.r.q,             true",
      ">,             x.y.z,               true",
      // Trailing '>'.
      "app.>,         app.r.q,             true",
      "app.>,         app.runner-1._,      true",
      "app.>,         other.r.q,           false",
      "app.>,         application.r.q,     false",
      "app.r.>,       app.r.q,             true",
      "app.r.>,       app.s.q,             false",
      "*.*.>,         a.b.c,               true",
      // '*' in the middle.
      "app.*.req-1,   app.runner-1.req-1,  true",
      "app.*.req-1,   app.runner-2.req-1,  true",
      "app.*.req-1,   app.runner-1.req-2,  false",
      "app.*.req-1,   other.runner-1.req-1, false",
      // '*' at both ends.
      "*.runner-7.*,  app.runner-7.req-1,  true",
      "*.runner-7.*,  other.runner-7._,    true",
      "*.runner-7.*,  app.runner-8.req-1,  false",
      // All wildcards.
      "*.*.*,         a.b.c,               true",
      "*.*.*,         app.runner-1._,      true",
      // Literal.
      "app.r.q,       app.r.q,             true",
      "app.r.q,       app.r.qq,            false",
      "app.r.q,       app.rr.q,            false",
      "app.r.q,       APP.r.q,             false",
  })
  void matchesThreeTokenSubjects(String filter, String subject, boolean expected) {
    assertThat(SubjectFilter.parse(filter).matches(subject)).isEqualTo(expected);
  }

  @Test
  void trailingWildcardNeedsAtLeastOneTokenWhereItStands() {
    assertThat(SubjectFilter.parse("app.>").matches("app")).isFalse();
    assertThat(SubjectFilter.parse("app.r.>").matches("app.r")).isFalse();
  }

  static Stream<Arguments> invalidFilters() {
    return Stream.of(
        // filter, text the message must contain (the offending token or the filter)
        Arguments.of("ap*.r.q", "'ap*'"),
        Arguments.of("app.r*.q", "'r*'"),
        Arguments.of("app.r.q*", "'q*'"),
        Arguments.of("app.>x.q", "'>x'"),
        Arguments.of(">.r.q", "'>.r.q'"),
        Arguments.of("app.>.q", "'app.>.q'"),
        Arguments.of("a.b.c.d", "'a.b.c.d'"),
        Arguments.of("a.b", "'a.b.>'"),
        Arguments.of("a", "'a.>'"),
        Arguments.of("app..q", "''"),
        Arguments.of("app.r.", "''"),
        Arguments.of("app.r.q!", "'q!'"),
        Arguments.of("app.r q.x", "'r q'"),
        Arguments.of("app.é.q", "'é'"),
        // Quoting shortens long tokens to their first 64 characters.
        Arguments.of("app." + LONG_TOKEN + ".q", "'" + "t".repeat(64) + "...'"));
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @MethodSource("invalidFilters")
  void refusesInvalidFilterNamingTheOffendingPart(String filter, String named) {
    SluiceException e = refused(() -> SubjectFilter.parse(filter));
    assertThat(e.getMessage()).startsWith("filter: ").contains(named);
  }

  @Test
  void refusesWildcardsThatAreNotWholeTokensSayingWhere() {
    assertThat(refused(() -> SubjectFilter.parse("ap*.r.q")).getMessage())
        .contains("token 1").contains("whole-token '*'");
    assertThat(refused(() -> SubjectFilter.parse("app.>.q")).getMessage())
        .contains("token 2").contains("'>' may only be the last token");
    assertThat(refused(() -> SubjectFilter.parse(">.r.q")).getMessage()).contains("token 1");
  }

  @Test
  void refusesTooManyTokensCountingThem() {
    assertThat(refused(() -> SubjectFilter.parse("a.b.c.d")).getMessage())
        .contains("has 4 tokens").contains("subjects have 3");
  }

  @Test
  void refusesTooFewTokensSuggestingTrailingWildcard() {
    assertThat(refused(() -> SubjectFilter.parse("a.b")).getMessage())
        .contains("has 2 tokens").contains("did you mean 'a.b.>'?");
  }

  @Test
  void refusesEmptyAndNullFilterPointingToEverything() {
    assertThat(refused(() -> SubjectFilter.parse("")).getMessage())
        .contains("must not be empty").contains("'>'");
    assertThat(refused(() -> SubjectFilter.parse(null)).getMessage()).contains("must not be empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "Z", "0", "_", "-", "my-model", "runner_7", "REQ-0123456789"})
  void tokenAcceptsLettersDigitsUnderscoreAndDash(String token) {
    assertThat(Subjects.token("hello.app", token)).isEqualTo(token);
    assertThat(Subjects.isToken(token)).isTrue();
  }

  @Test
  void tokenAcceptsExactlyMaxLength() {
    String max = "x".repeat(Subjects.MAX_TOKEN_LENGTH);
    assertThat(Subjects.token("hello.app", max)).isEqualTo(max);
  }

  static Stream<String> invalidTokens() {
    return Stream.of("my.model", "my model", " ", "", "x".repeat(Subjects.MAX_TOKEN_LENGTH + 1),
        "café", "日本", "\uD83D\uDE00", "a*", ">", "a/b", "a\tb", "a\nb");
  }

  @ParameterizedTest
  @MethodSource("invalidTokens")
  void tokenRejectsEverythingElseNamingLabelAndExpectation(String token) {
    assertThat(Subjects.isToken(token)).isFalse();
    SluiceException e = refused(() -> Subjects.token("hello.runner", token));
    assertThat(e.getMessage()).startsWith("hello.runner: ").contains("[A-Za-z0-9_-]{1,128}");
  }

  @Test
  void tokenRejectsNull() {
    assertThat(Subjects.isToken(null)).isFalse();
    assertThat(refused(() -> Subjects.token("line.request_id", null)).getMessage())
        .contains("line.request_id").contains("null");
  }

  private static SluiceException refused(Runnable action) {
    SluiceException e = catchThrowableOfType(SluiceException.class, action::run);
    assertThat(e).as("expected a SluiceException").isNotNull();
    assertThat(e.failure()).isEqualTo(Failure.INVALID_ARGUMENT);
    return e;
  }
}
