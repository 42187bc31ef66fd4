package dev.sluice.client.run;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a process's output into lines, whatever bytes it writes: a line ends at {@code \n} (a
 * {@code \r} before it goes too); invalid UTF-8 becomes U+FFFD, and so does any other control
 * character but a tab (terminal colour codes are dropped whole); a line longer than
 * {@link #MAX_LINE_BYTES} goes as several, cut between characters, as the runner SDK sends an
 * overlong message; and what is left when the output ends is the last line. Holds at most one
 * line's bytes. Not thread-safe: one reader feeds it.
 */
final class OutputLines {
  /** Longest piece sent as one line (the SDK's own limit; the broker splits it further). */
  static final int MAX_LINE_BYTES = 512 * 1024;

  private final Consumer<String> lines;
  private final int maxLineBytes;
  private byte[] line = new byte[256];
  private int length;
  // The line's bytes so far went out as a piece: a newline right now ends no further text.
  private boolean justCut;

  OutputLines(Consumer<String> lines) {
    this(lines, MAX_LINE_BYTES);
  }

  OutputLines(Consumer<String> lines, int maxLineBytes) {
    if (maxLineBytes < 4) {
      throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes
          + " (expected: at least 4, one UTF-8 character)");
    }
    this.lines = lines;
    this.maxLineBytes = maxLineBytes;
  }

  /** Takes {@code count} bytes of output. */
  void feed(byte[] bytes, int offset, int count) {
    int end = offset + count;
    int from = offset;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        if (length == 0 && i - from <= maxLineBytes && !(justCut && i == from)) {
          emit(bytes, from, i); // the whole line is in this chunk: no copy
        } else {
          append(bytes, from, i - from);
          // Nothing left after the pieces already sent: no empty line for their newline.
          if (length > 0 || !justCut) {
            emit(line, 0, length);
          }
          length = 0;
        }
        justCut = false;
        from = i + 1;
      }
    }
    append(bytes, from, end - from);
  }

  /** The output ended: a last line without its newline is sent too. */
  void finish() {
    if (length > 0) {
      emit(line, 0, length);
      length = 0;
    }
  }

  private void append(byte[] bytes, int from, int count) {
    if (count > 0) {
      justCut = false;
    }
    while (count > 0) {
      int room = maxLineBytes - length;
      int take = Math.min(room, count);
      ensure(length + take);
      System.arraycopy(bytes, from, line, length, take);
      length += take;
      from += take;
      count -= take;
      if (length == maxLineBytes) {
        cutOverlong();
      }
    }
  }

  /** A full buffer without a newline: send it up to its last whole character, keep the rest. */
  private void cutOverlong() {
    int cut = length;
    // Back over at most three continuation bytes to the start of the last character, and cut
    // before it unless it is complete.
    int lead = length - 1;
    while (lead > length - 4 && (line[lead] & 0xC0) == 0x80) {
      lead--;
    }
    int need = sequenceLength(line[lead]);
    if (need > 1 && lead + need > length) {
      cut = lead;
    }
    emit(line, 0, cut);
    System.arraycopy(line, cut, line, 0, length - cut);
    length -= cut;
    justCut = true;
  }

  private static int sequenceLength(byte lead) {
    int b = lead & 0xFF;
    if (b >= 0xF0) {
      return 4;
    }
    if (b >= 0xE0) {
      return 3;
    }
    return b >= 0xC0 ? 2 : 1;
  }

  private void ensure(int capacity) {
    if (capacity > line.length) {
      byte[] grown = new byte[Math.min(maxLineBytes, Math.max(capacity, line.length * 2))];
      System.arraycopy(line, 0, grown, 0, length);
      line = grown;
    }
  }

  private void emit(byte[] bytes, int from, int end) {
    int stop = end > from && bytes[end - 1] == '\r' ? end - 1 : end;
    String text = new String(bytes, from, stop - from, StandardCharsets.UTF_8);
    lines.accept(hasControl(bytes, from, stop) ? clean(text) : text);
  }

  /** Whether the bytes hold a control character to clean (checked before decoding: cheaper). */
  private static boolean hasControl(byte[] bytes, int from, int end) {
    for (int i = from; i < end; i++) {
      int b = bytes[i];
      if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7F) {
        return true;
      }
    }
    return false;
  }

  /** Control characters but tab become U+FFFD; ANSI escape sequences (colours) go whole. */
  static String clean(String text) {
    int i = 0;
    while (i < text.length() && !needsCleaning(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length()).append(text, 0, i);
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == 0x1B && i + 1 < text.length() && text.charAt(i + 1) == '[') {
        // CSI: ESC [ parameters and intermediates, then one final byte in @..~.
        int j = i + 2;
        while (j < text.length() && text.charAt(j) >= 0x20 && text.charAt(j) < 0x40) {
          j++;
        }
        if (j < text.length() && text.charAt(j) >= 0x40 && text.charAt(j) <= 0x7E) {
          i = j + 1;
          continue;
        }
      }
      out.append(needsCleaning(c) ? '\uFFFD' : c);
      i++;
    }
    return out.toString();
  }

  private static boolean needsCleaning(char c) {
    return (c < 0x20 && c != '\t') || c == 0x7F;
  }
}
