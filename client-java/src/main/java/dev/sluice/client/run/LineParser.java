package dev.sluice.client.run;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.client.runner.LogEntry;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a captured line says about itself. A JSON object (RunPod's logger, Python's JSON
 * loggers, pino, zap, slog) is a structured record: its level, its message ({@code message} or
 * {@code msg}), its request and trace, and every other key as a field. A plain line that starts
 * with a level word takes that level ({@code WARNING:root:...}, {@code [error] ...},
 * {@code ERROR ...}, glog's {@code E1206 12:00:00.000 ...}); any other line is INFO on stdout
 * and ERROR on stderr.
 */
final class LineParser {
  private static final JsonFactory JSON = new JsonFactory();

  private static final String[] MESSAGE_KEYS = {"message", "msg"};
  private static final String[] LEVEL_KEYS = {"level", "levelname", "severity", "lvl"};
  private static final String[] REQUEST_KEYS = {"request_id", "requestId"};
  private static final String[] TRACE_KEYS = {"trace_id", "traceId", "otelTraceID"};
  private static final String[] SPAN_KEYS = {"span_id", "spanId", "otelSpanID"};

  private LineParser() {}

  /** The entry for {@code line}, read from {@code stream} at {@code timeUnixNano}. */
  static LogEntry parse(String line, Stream stream, long timeUnixNano) {
    Level fallback = stream == Stream.STDERR ? Level.ERROR : Level.INFO;
    if (looksLikeJson(line)) {
      LogEntry structured = structured(line, stream, timeUnixNano, fallback);
      if (structured != null) {
        return structured;
      }
    }
    Level said = levelWord(line);
    return new LogEntry(timeUnixNano, said != null ? said : fallback, stream, line, Map.of(), "",
        "", "");
  }

  private static boolean looksLikeJson(String line) {
    int first = 0;
    while (first < line.length() && Character.isWhitespace(line.charAt(first))) {
      first++;
    }
    int last = line.length() - 1;
    while (last > first && Character.isWhitespace(line.charAt(last))) {
      last--;
    }
    return last > first && line.charAt(first) == '{' && line.charAt(last) == '}';
  }

  private static LogEntry structured(String line, Stream stream, long time, Level fallback) {
    String message = null;
    Level level = null;
    String request = "";
    String trace = "";
    String span = "";
    Map<String, String> fields = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        String text = text(p, line, value);
        if (message == null && is(key, MESSAGE_KEYS)) {
          message = text;
        } else if (level == null && is(key, LEVEL_KEYS) && level(value, text) != null) {
          level = level(value, text);
        } else if (request.isEmpty() && is(key, REQUEST_KEYS) && value.isScalarValue()) {
          request = text;
        } else if (trace.isEmpty() && is(key, TRACE_KEYS) && value.isScalarValue()) {
          trace = text;
        } else if (span.isEmpty() && is(key, SPAN_KEYS) && value.isScalarValue()) {
          span = text;
        } else {
          fields.put(key, text);
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null; // not one object
      }
    } catch (IOException e) {
      return null; // braces, but not JSON: a plain line
    }
    return new LogEntry(time, level != null ? level : fallback, stream,
        message != null ? message : line, fields, request, trace, span);
  }

  /** A value's text: a string's characters, any other value as its JSON. */
  private static String text(JsonParser p, String line, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (value.isStructStart()) {
      int from = (int) p.currentTokenLocation().getCharOffset();
      p.skipChildren();
      int to = (int) p.currentLocation().getCharOffset();
      return line.substring(from, to);
    }
    return p.getText();
  }

  private static boolean is(String key, String[] names) {
    for (String name : names) {
      if (name.equals(key)) {
        return true;
      }
    }
    return false;
  }

  /** A level by name (any case) or by pino's and bunyan's numbers (10 trace ... 60 fatal). */
  static Level level(JsonToken value, String text) {
    if (value == JsonToken.VALUE_NUMBER_INT) {
      int n;
      try {
        n = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        return null;
      }
      if (n >= 60) {
        return Level.FATAL;
      }
      if (n >= 50) {
        return Level.ERROR;
      }
      if (n >= 40) {
        return Level.WARN;
      }
      if (n >= 30) {
        return Level.INFO;
      }
      return n >= 20 ? Level.DEBUG : Level.TRACE;
    }
    return value == JsonToken.VALUE_STRING ? named(text) : null;
  }

  /** The level a word names, or null. */
  static Level named(String word) {
    return switch (word.trim().toUpperCase(Locale.ROOT)) {
      case "TRACE" -> Level.TRACE;
      case "DEBUG" -> Level.DEBUG;
      case "INFO", "NOTICE" -> Level.INFO;
      case "WARN", "WARNING" -> Level.WARN;
      case "ERROR", "ERR", "SEVERE" -> Level.ERROR;
      case "CRITICAL", "CRIT", "FATAL", "PANIC" -> Level.FATAL;
      default -> null;
    };
  }

  /**
   * The level a plain line starts with, or null: {@code [word]} in any case, {@code word:} in
   * any case, an upper-case {@code WORD} before a space, {@code |}, {@code ]} or {@code -}, or
   * glog's level letter before MMDD and the time. Read by hand: it runs for every captured line,
   * and three regular expressions a line were most of the capture's time.
   */
  static Level levelWord(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    if (i == n) {
      return null;
    }
    boolean bracketed = line.charAt(i) == '[';
    int start = bracketed ? i + 1 : i;
    int end = start;
    while (end < n && end - start <= 8 && isAsciiLetter(line.charAt(end))) {
      end++;
    }
    if (end > start && end < n && end - start <= 8) {
      char after = line.charAt(end);
      String word = line.substring(start, end);
      if (bracketed ? after == ']' : after == ':') {
        Level level = named(word);
        if (level != null) {
          return level;
        }
      }
      if (!bracketed && (after == ' ' || after == '\t' || after == '|' || after == ']'
          || after == '-') && word.equals(word.toUpperCase(Locale.ROOT))) {
        Level level = named(word);
        if (level != null) {
          return level;
        }
      }
    }
    return i == 0 ? glog(line) : null;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  /** glog and klog: {@code E1206 12:00:00...}, a level letter, MMDD, a space, then hh:mm:ss. */
  private static Level glog(String line) {
    if (line.length() < 14 || line.charAt(5) != ' ' || line.charAt(8) != ':'
        || line.charAt(11) != ':') {
      return null;
    }
    for (int j : new int[] {1, 2, 3, 4, 6, 7, 9, 10, 12, 13}) {
      char c = line.charAt(j);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    return switch (line.charAt(0)) {
      case 'I' -> Level.INFO;
      case 'W' -> Level.WARN;
      case 'E' -> Level.ERROR;
      case 'F' -> Level.FATAL;
      default -> null;
    };
  }
}
