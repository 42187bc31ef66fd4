package dev.sluice.gateway;

import com.google.protobuf.ByteString;
import dev.sluice.client.TimeSpec;
import dev.sluice.proto.SubjectSyntax;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Predicates;
import io.vertx.core.MultiMap;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A request's query parameters, read the same way by every endpoint. A parameter the endpoint
 * does not know, or one given twice, is a 400 naming it (a typo such as {@code levle=warn}
 * would otherwise quietly show everything).
 */
final class Params {
  static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "fatal");

  private final MultiMap query;

  Params(MultiMap query, Set<String> known) {
    this.query = query;
    for (String name : query.names()) {
      if (!known.contains(name)) {
        throw Problem.badParam(name, "unknown parameter (expected: one of "
            + String.join(", ", known.stream().sorted().toList()) + ")").exception();
      }
      if (query.getAll(name).size() > 1) {
        throw Problem.badParam(name, "given " + query.getAll(name).size()
            + " times (expected: once)").exception();
      }
    }
  }

  /** The value, or null when absent. */
  String get(String name) {
    return query.get(name);
  }

  boolean has(String name) {
    return query.get(name) != null;
  }

  /** The {@code subject} filter (NATS wildcards), {@code fallback} when absent. */
  String subject(String fallback) {
    String value = has("subject") ? get("subject") : fallback;
    String problem = SubjectSyntax.filterProblem(value);
    if (problem != null) {
      throw Problem.badParam("subject", problem.startsWith("filter: ")
          ? problem.substring("filter: ".length()) : problem).exception();
    }
    return value;
  }

  /** {@code level} (minimum), {@code grep} (text the message contains), {@code trace}. */
  Predicates where() {
    Predicates.Builder where = Predicates.newBuilder().setMinLevel(level());
    if (has("grep")) {
      where.setContains(get("grep"));
    }
    if (has("trace")) {
      String trace = get("trace");
      if (!trace.matches("[0-9a-f]{32}")) {
        throw Problem.badParam("trace", "'" + clip(trace)
            + "' (expected: a trace id, 32 lower-case hex characters)").exception();
      }
      where.setTraceId(trace);
    }
    return where.build();
  }

  Level level() {
    if (!has("level")) {
      return Level.LEVEL_UNSPECIFIED;
    }
    String value = get("level").toLowerCase(Locale.ROOT);
    return switch (value) {
      case "trace" -> Level.TRACE;
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn", "warning" -> Level.WARN;
      case "error" -> Level.ERROR;
      case "fatal" -> Level.FATAL;
      default -> throw Problem.badParam("level", "'" + clip(get("level")) + "' (expected: one of "
          + String.join(", ", LEVELS) + ")").exception();
    };
  }

  /** A positive count up to {@code max}; {@code fallback} when absent. */
  int count(String name, int fallback, int max) {
    if (!has(name)) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(get(name));
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // told below
    }
    throw Problem.badParam(name, "'" + clip(get(name)) + "' (expected: 1.." + max + ")")
        .exception();
  }

  /** A time ({@link TimeSpec}) as ns since the epoch; 0 when absent. */
  long time(String name, Instant now) {
    if (!has(name)) {
      return 0;
    }
    try {
      return TimeSpec.parse(get(name)).unixNanos(now, name);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw Problem.badParam(name, message.startsWith(name + ": ")
          ? message.substring(name.length() + 2) : message).exception();
    }
  }

  ByteString cursor(String name) {
    return has(name) ? Cursors.decode(get(name), name) : ByteString.EMPTY;
  }

  /** A subject token ({@code app}, {@code request}). */
  static String token(String name, String value) {
    String problem = SubjectSyntax.tokenProblem(name, value);
    if (problem != null) {
      throw Problem.badParam(name, problem.substring(name.length() + 2)).exception();
    }
    return value;
  }

  /** At most one of {@code names} may be given. */
  void atMostOne(String... names) {
    String first = null;
    for (String name : names) {
      if (has(name)) {
        if (first != null) {
          throw Problem.badParam(name, "cannot be combined with " + first + " (expected: at most "
              + "one of " + String.join(", ", names) + ")").exception();
        }
        first = name;
      }
    }
  }

  static String clip(String value) {
    return value.length() > 64 ? value.substring(0, 64) + "..." : value;
  }
}
