package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the command line's JSON escapes strings: as RFC 8259 asks, and U+2028/U+2029 too. */
class JsonOutputTest {
  @Test
  void lineAndParagraphSeparatorsAreEscapedSoALineIsAlsoJavaScript() {
    assertThat(JsonOutput.string("a\u2028b\u2029c")).isEqualTo("\"a\\u2028b\\u2029c\"");
  }

  @Test
  void controlCharactersAreEscapedShortWhereJsonHasAShortFormElseAsLowerCaseHex() {
    assertThat(JsonOutput.string("\b\f\n\r\t")).isEqualTo("\"\\b\\f\\n\\r\\t\"");
    assertThat(JsonOutput.string("\u0000\u0001\u001b\u001f"))
        .isEqualTo("\"\\u0000\\u0001\\u001b\\u001f\"");
  }

  @Test
  void quotesAndBackslashesAreEscapedAndSlashesAndDeleteAreNot() {
    assertThat(JsonOutput.string("\"\\/\u007f")).isEqualTo("\"\\\"\\\\/\u007f\"");
  }

  @Test
  void nonAsciiAndNonBmpCharactersAreWrittenAsTheyAre() {
    String text = "é ü 日本 \uD83D\uDE00 \uD834\uDD1E";

    assertThat(JsonOutput.string(text)).isEqualTo("\"" + text + "\"");
  }

  @Test
  void aLoneSurrogateIsWrittenAsItIsAsBeforeJackson() {
    assertThat(JsonOutput.string("a\uD83Db\uDE00")).isEqualTo("\"a\uD83Db\uDE00\"");
  }

  @Test
  void everyCharacterIsEscapedAsTheHandWrittenWriterDidBeforeJackson() {
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      String text = "x" + c + "y";
      assertThat(JsonOutput.string(text)).as("U+%04X", (int) c).isEqualTo(before(text));
    }
  }

  @Test
  void anObjectKeepsTheOrderOfItsFieldsAndMaps() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("z", "1");
    map.put("a", "\u2028");

    String json = JsonOutput.object(g -> {
      g.writeStringField("k", "v");
      g.writeNumberField("n", -3);
      JsonOutput.stringMap(g, "m", map);
      g.writeNullField("none");
    });

    assertThat(json).isEqualTo("{\"k\":\"v\",\"n\":-3,\"m\":{\"z\":\"1\",\"a\":\"\\u2028\"},"
        + "\"none\":null}");
  }

  /** The escaping of the hand-written cli/Json that Jackson replaced, as the reference. */
  private static String before(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append(c < 0x20 || c == '\u2028' || c == '\u2029'
            ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return out.append('"').toString();
  }
}
