package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A process's raw output, cut into lines. */
class OutputLinesTest {
  private final List<String> lines = new ArrayList<>();

  private List<String> cut(byte[] output, int maxLineBytes, int chunk) {
    OutputLines cutter = new OutputLines(lines::add, maxLineBytes);
    for (int i = 0; i < output.length; i += chunk) {
      cutter.feed(output, i, Math.min(chunk, output.length - i));
    }
    cutter.finish();
    return lines;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void linesEndAtNewlinesAndTheLastNeedsNone() {
    assertThat(cut(utf8("one\ntwo\r\n\nthree"), 1024, 3))
        .containsExactly("one", "two", "", "three");
  }

  @Test
  void anyChunkingGivesTheSameLines() {
    byte[] output = utf8("héllo wörld\n€ and 😀\nlast");
    List<String> whole = List.copyOf(cut(output, 1024, output.length));
    for (int chunk = 1; chunk <= 7; chunk++) {
      lines.clear();
      assertThat(cut(output, 1024, chunk)).as("chunks of %d", chunk).isEqualTo(whole);
    }
    assertThat(whole).containsExactly("héllo wörld", "€ and 😀", "last");
  }

  @Test
  void invalidUtf8AndControlCharactersAreReplacedAndColoursDropped() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'a', (byte) 0xFF, (byte) 0xFE, 'b', 0, 7, '\t', 'c', '\n'});
    out.writeBytes(utf8("\u001B[31mred\u001B[0m plain\n"));
    assertThat(cut(out.toByteArray(), 1024, 4))
        .containsExactly("a\uFFFD\uFFFDb\uFFFD\uFFFD\tc", "red plain");
  }

  @Test
  void aLineOfExactlyItsPiecesLeavesNoEmptyLineBehind() {
    for (int chunk = 1; chunk <= 21; chunk += 4) {
      lines.clear();
      assertThat(cut(utf8("x".repeat(20) + "\nnext\n"), 10, chunk)).as("chunks of %d", chunk)
          .containsExactly("x".repeat(10), "x".repeat(10), "next");
    }
  }

  @Test
  void anOverlongLineGoesInPiecesCutBetweenCharacters() {
    // 10-byte pieces over 3-byte characters: a cut never splits one.
    String text = "ab" + "€".repeat(9);
    List<String> pieces = cut(utf8(text + "\nnext\n"), 10, 5);
    assertThat(String.join("", pieces.subList(0, pieces.size() - 1))).isEqualTo(text);
    assertThat(pieces.subList(0, pieces.size() - 1))
        .allSatisfy(p -> assertThat(utf8(p).length).isLessThanOrEqualTo(10))
        .noneMatch(p -> p.contains("\uFFFD"));
    assertThat(pieces).last().isEqualTo("next");
  }
}
