package dev.sluice.client.cli;

/** The smallest JSON writer the command line needs: strings escaped per RFC 8259. */
final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /** Appends {@code value} as a quoted JSON string. */
  static StringBuilder string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          // Control characters must be escaped; U+2028/9 too, so the output is also valid
          // JavaScript for whoever pastes it into a page.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }

  /** Appends {@code ,"name":"value"} (or without the comma when first). */
  static StringBuilder field(StringBuilder out, String name, String value) {
    separate(out);
    string(out, name).append(':');
    return string(out, value);
  }

  /** Appends {@code ,"name":number}. */
  static StringBuilder field(StringBuilder out, String name, long value) {
    separate(out);
    return string(out, name).append(':').append(value);
  }

  /** Appends {@code ,"name":} before a nested value. */
  static StringBuilder name(StringBuilder out, String name) {
    separate(out);
    return string(out, name).append(':');
  }

  private static void separate(StringBuilder out) {
    char last = out.charAt(out.length() - 1);
    if (last != '{' && last != '[') {
      out.append(',');
    }
  }
}
