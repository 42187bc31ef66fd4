package dev.sluice.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The harness's workload: 200-byte lines spread round-robin over 6,400 distinct subjects
 * {@code <app>.<runner>.<request>}, published by {@code runners} runners (one Sluice session or
 * one NATS connection each). With 64 runners the subjects are the 4 apps x 16 runners x
 * 100 requests; with fewer, each runner carries more requests so there are still 6,400
 * subjects (1 runner: 1 app, 1 runner, 6,400 requests).
 *
 * <p>Every payload starts with a 19-digit timestamp ({@link System#nanoTime()} relative to the
 * run's base): the send time when running as fast as possible, the intended send time when
 * paced, so a late send counts against latency (no coordinated omission).
 */
record Workload(int runners, int apps, int runnersPerApp, int requestsPerRunner) {
  static final int SUBJECTS = 6_400;
  static final int LINE_BYTES = 200;
  static final int STAMP_DIGITS = 19;
  private static final String FILLER = " " + "x".repeat(LINE_BYTES - STAMP_DIGITS - 1);
  private static final byte[] FILLER_BYTES = FILLER.getBytes(StandardCharsets.US_ASCII);

  Workload {
    if (runners < 1 || 64 % runners != 0) {
      throw new IllegalArgumentException("runners: " + runners + " (expected: 1, 2, 4, 8, 16, 32 or 64)");
    }
  }

  static Workload of(int runners) {
    int apps = Math.min(4, runners);
    return new Workload(runners, apps, runners / apps, SUBJECTS / runners);
  }

  String app(int runner) {
    return "a" + (runner % apps);
  }

  String runnerName(int runner) {
    return String.format("r%02d", runner / apps);
  }

  static String request(int request) {
    return String.format("q%04d", request);
  }

  /** Line {@code i} goes to this runner ... */
  int runnerOf(long line) {
    return (int) (line % SUBJECTS % runners);
  }

  /** ... and to this request of that runner, so lines cycle through all 6,400 subjects. */
  int requestOf(long line) {
    return (int) (line % SUBJECTS / runners);
  }

  /** Filters of a subscriber set, in Sluice's syntax (the NATS side prefixes {@code logs.<acct>.}). */
  List<String> filters(String set) {
    return switch (set) {
      case "1full" -> List.of(">");
      case "4full" -> List.of(">", ">", ">", ">");
      // Application, runner and request filters next to one full tail.
      case "4mixed" -> List.of(">", app(0) + ".>", "*." + runnerName(0) + ".*", "*.*." + request(42));
      default -> throw new IllegalArgumentException("subscriber set: '" + set
          + "' (expected: 1full, 4full, 4mixed)");
    };
  }

  /** Index of the first full tail in a set; the harness paces itself by full tails only. */
  static boolean isFull(String filter) {
    return filter.equals(">");
  }

  /**
   * The payload as the text a runner logs. Made from its bytes (one ASCII array, then the
   * String's one copy of it): the generator's own cost counts against the measured system, as
   * it runs on the same two cores, and concatenating three strings per line was a twentieth
   * of the harness's time.
   */
  static String payload(long stamp) {
    return new String(payloadBytes(stamp), StandardCharsets.ISO_8859_1);
  }

  static byte[] payloadBytes(long stamp) {
    byte[] out = new byte[LINE_BYTES];
    long v = stamp;
    for (int i = STAMP_DIGITS - 1; i >= 0; i--) {
      out[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    System.arraycopy(FILLER_BYTES, 0, out, STAMP_DIGITS, FILLER_BYTES.length);
    return out;
  }

  /** The timestamp of a payload, or -1 if it does not start with one (a request event). */
  static long stamp(byte[] bytes, int offset, int length) {
    if (length < STAMP_DIGITS) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < STAMP_DIGITS; i++) {
      int d = bytes[offset + i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  static String ascii(byte[] bytes) {
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
