package dev.sluice.broker.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line longer than the line limit into parts of at most {@code maxBytes} UTF-8 bytes,
 * never inside a code point. Each part becomes its own record marked "part i of n", so a long
 * line is neither dropped nor truncated silently.
 */
final class LineSplitter {
  private LineSplitter() {}

  static List<String> split(String message, int maxBytes) {
    // Fast path: no UTF-16 char needs more than 3 UTF-8 bytes.
    if ((long) message.length() * 3 <= maxBytes || utf8Length(message) <= maxBytes) {
      return List.of(message);
    }
    List<String> parts = new ArrayList<>();
    int start = 0;
    int bytes = 0;
    int i = 0;
    while (i < message.length()) {
      int cp = message.codePointAt(i);
      int width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + width > maxBytes) {
        parts.add(message.substring(start, i));
        start = i;
        bytes = 0;
      }
      bytes += width;
      i += Character.charCount(cp);
    }
    parts.add(message.substring(start));
    return parts;
  }

  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
