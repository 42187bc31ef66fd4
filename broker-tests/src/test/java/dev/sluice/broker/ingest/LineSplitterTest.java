package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Long lines are split into parts of at most {@code maxBytes} UTF-8 bytes that concatenate
 * back to the line, never inside a code point; short lines are returned as they are.
 */
class LineSplitterTest {
  private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, 4 UTF-8 bytes, 2 chars

  @ParameterizedTest(name = "{0} ASCII bytes at {1} per part -> {2} parts")
  @CsvSource({
      "3000, 1024, 3",
      "1025, 1024, 2",
      "2048, 1024, 2",
      "2049, 1024, 3",
      "1000,   64, 16",
  })
  void splitsAsciiIntoFullPartsThatConcatenateBack(int length, int maxBytes, int expectedParts) {
    String line = ascii(length);
    List<String> parts = LineSplitter.split(line, maxBytes);
    assertThat(parts).hasSize(expectedParts);
    assertValidSplit(line, parts, maxBytes);
    // Every part but the last is full.
    for (int i = 0; i < parts.size() - 1; i++) {
      assertThat(utf8(parts.get(i))).isEqualTo(maxBytes);
    }
  }

  static Stream<Arguments> multibyteLines() {
    return Stream.of(
        Arguments.of("two-byte", "é".repeat(1_000), 64),
        Arguments.of("two-byte, odd limit", "é".repeat(1_000), 65),
        Arguments.of("three-byte", "日本".repeat(500), 64),
        Arguments.of("three-byte, limit not a multiple of 3", "日本".repeat(500), 100),
        Arguments.of("four-byte surrogate pairs", EMOJI.repeat(500), 64),
        Arguments.of("four-byte, limit not a multiple of 4", EMOJI.repeat(500), 66),
        Arguments.of("mixed", ("a" + "é" + "日" + EMOJI + "本z").repeat(300), 64),
        Arguments.of("mixed, odd limit", ("ab" + EMOJI + "é" + "日本").repeat(300), 97));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("multibyteLines")
  void neverSplitsInsideACodePoint(String name, String line, int maxBytes) {
    List<String> parts = LineSplitter.split(line, maxBytes);
    assertThat(parts).hasSizeGreaterThan(1);
    assertValidSplit(line, parts, maxBytes);
    for (String part : parts) {
      assertThat(Character.isLowSurrogate(part.charAt(0))).as("part starts mid-pair").isFalse();
      assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1)))
          .as("part ends mid-pair").isFalse();
      // Round trip through bytes: a split code point would not survive it.
      assertThat(new String(part.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
          .isEqualTo(part);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "short", "é", "日本語のログ", EMOJI})
  void shortLinesAreReturnedUntouched(String line) {
    assertThat(LineSplitter.split(line, 64)).containsExactly(line);
  }

  static Stream<String> linesOfExactlyTheLimit() {
    return Stream.of("x".repeat(64), "é".repeat(32), "日".repeat(21) + "x", EMOJI.repeat(16));
  }

  @ParameterizedTest
  @MethodSource("linesOfExactlyTheLimit")
  void lineOfExactlyTheLimitIsNotSplit(String line) {
    assertThat(utf8(line)).isEqualTo(64);
    assertThat(LineSplitter.split(line, 64)).containsExactly(line);
  }

  @ParameterizedTest
  @ValueSource(strings = {"é", "日", EMOJI})
  void multibyteLineOneByteOverTheLimitIsSplit(String ch) {
    // Fill to exactly the limit with ASCII, then one multibyte character more.
    String line = "x".repeat(64) + ch;
    List<String> parts = LineSplitter.split(line, 64);
    assertThat(parts).containsExactly("x".repeat(64), ch);
  }

  @ParameterizedTest
  @ValueSource(strings = {"é", "日", EMOJI, "x"})
  void utf8LengthAgreesWithTheJdk(String ch) {
    String s = ch.repeat(17) + "tail";
    assertThat(LineSplitter.utf8Length(s)).isEqualTo(utf8(s));
  }

  private static void assertValidSplit(String line, List<String> parts, int maxBytes) {
    assertThat(String.join("", parts)).isEqualTo(line);
    assertThat(parts).allSatisfy(p -> {
      assertThat(p).isNotEmpty();
      assertThat(utf8(p)).isLessThanOrEqualTo(maxBytes);
    });
  }

  private static String ascii(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + i % 26));
    }
    return b.toString();
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
