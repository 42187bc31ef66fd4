package dev.sluice.bench.load;

import dev.sluice.common.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end load harness: the same workloads against Sluice (durable store, default
 * fsync), nats-server core pub/sub and nats-server JetStream (file storage), on this machine,
 * in one run, and a table with each row's figures and the ratio Sluice / NATS.
 *
 * <pre>{@code
 * bench/load                       # everything (about 10 minutes)
 * bench/load --quick               # every row, short (a smoke run, about 2 minutes)
 * bench/load --rows 1r-1full --systems sluice,nats --warmup 10 --measure 20
 * bench/load --rows 1r-1full --systems sluice --profile /tmp/jfr   # JFR of the broker per row
 * bench/load --rows none --scenarios gateway   # SSE through the gateway against gRPC, idle SSE
 * }</pre>
 */
public final class LoadHarness {
  static final List<Row> ROWS = List.of(
      new Row("1r-1full", 0, 1, "1full"),
      new Row("1r-4full", 0, 1, "4full"),
      new Row("64r-4mixed", 0, 64, "4mixed"),
      new Row("paced-10k", 10_000, 1, "4full"),
      new Row("paced-100k", 100_000, 1, "4full"),
      new Row("paced-200k", 200_000, 1, "4full"));
  static final List<String> SYSTEMS = List.of("sluice", "nats", "jetstream");
  static final List<String> SCENARIOS = List.of("stall", "idle", "abuse", "gateway");

  private LoadHarness() {}

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("load harness: " + e.getMessage());
      System.exit(2);
      return;
    }
    Report report = new Report(options);
    report.yardstickAtStart(Yardstick.copyGbPerSecond());
    System.out.printf("Sluice load harness, %s, %d cores, JDK %s; warmup %d s, measure %d s;"
        + " machine yardstick %.1f GB/s%n", LocalDate.now(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        options.warmup.toSeconds(), options.measure.toSeconds(), report.yardstickAtStart());
    for (Row row : options.rows) {
      Map<String, Result> results = new LinkedHashMap<>();
      for (String system : options.systems) {
        System.out.printf("%-11s %-9s ...%n", row.name(), system);
        Result result = runRow(system, row, options);
        results.put(system, result);
        System.out.println("  " + Report.brief(result));
      }
      report.add(row, results);
    }
    for (String scenario : options.scenarios) {
      System.out.printf("%-11s sluice    ...%n", scenario);
      String line = switch (scenario) {
        case "stall" -> Scenarios.stalledSubscriber(options.quick);
        case "idle" -> Scenarios.idleTails(options.quick);
        case "abuse" -> Attacks.run(options.quick);
        case "gateway" -> GatewayScenario.run(options.quick, options.warmup, options.measure,
            options.profile);
        default -> throw new IllegalStateException(scenario);
      };
      System.out.println("  " + line);
      report.addScenario(scenario, line);
    }
    report.yardstickAtEnd(Yardstick.copyGbPerSecond());
    String table = report.markdown();
    System.out.println();
    System.out.println(table);
    if (options.out != null) {
      Files.writeString(options.out, table);
      System.out.println("written to " + options.out);
    }
    if (report.failed()) {
      System.exit(1);
    }
  }

  static Result runRow(String system, Row row, Options options) {
    Target target = switch (system) {
      case "sluice" -> SluiceTarget.start("1g", options.profile == null ? List.of()
          // Recorded over the measured interval only (after the JVM's start and the warmup).
          : List.of("-XX:StartFlightRecording=settings=profile,delay="
              + (options.warmup.toSeconds() + 3) + "s,duration=" + options.measure.toSeconds()
              + "s,filename="
              + options.profile.resolve("broker-" + row.name() + ".jfr")));
      case "nats" -> NatsTarget.start(false);
      case "jetstream" -> NatsTarget.start(true);
      default -> throw new IllegalArgumentException(system);
    };
    try (target) {
      return new Driver(target, row, options.warmup, options.measure).run();
    } catch (RuntimeException e) {
      return Result.failed(system, e.getMessage() + "; server output:\n"
          + target.server().lastOutput());
    }
  }

  /** Command-line options, validated as parsed. */
  static final class Options {
    boolean quick;
    // The broker's JIT compiles for its first 20-25 s under this load (jstat -compiler): a
    // shorter warmup measures the compiler too.
    Duration warmup = Duration.ofSeconds(30);
    Duration measure = Duration.ofSeconds(10);
    List<Row> rows = ROWS;
    List<String> systems = SYSTEMS;
    List<String> scenarios = SCENARIOS;
    Path out;
    Path profile;

    static Options parse(String[] args) {
      Options o = new Options();
      boolean timesSet = false;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--quick")) {
          o.quick = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + ": missing value");
        }
        String value = args[++i];
        switch (flag) {
          case "--warmup" -> { o.warmup = seconds(flag, value); timesSet = true; }
          case "--measure" -> { o.measure = seconds(flag, value); timesSet = true; }
          case "--rows" -> o.rows = value.equals("none") ? List.of()
              : pick(flag, value, ROWS.stream().map(Row::name).toList()).stream()
                  .map(n -> ROWS.stream().filter(r -> r.name().equals(n)).findFirst()
                      .orElseThrow()).toList();
          case "--systems" -> o.systems = pick(flag, value, SYSTEMS);
          case "--scenarios" -> o.scenarios = value.equals("none") ? List.of()
              : pick(flag, value, SCENARIOS);
          case "--out" -> o.out = Path.of(value);
          case "--profile" -> o.profile = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + flag
              + " (expected: --quick, --warmup S, --measure S, --rows A,B, --systems A,B,"
              + " --scenarios A,B|none, --out FILE, --profile DIR)");
        }
      }
      if (o.quick && !timesSet) {
        o.warmup = Duration.ofSeconds(2);
        o.measure = Duration.ofSeconds(3);
      }
      return o;
    }

    /** Whole seconds ({@code 30}) or a duration ({@code 30s}, {@code 2m}), 1 s..10 min. */
    private static Duration seconds(String flag, String value) {
      try {
        Duration d = value.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(value))
            : Durations.parse(value);
        if (d.toSeconds() >= 1 && d.toSeconds() <= 600) {
          return d;
        }
      } catch (IllegalArgumentException e) {
        // falls through to the message
      }
      throw new IllegalArgumentException(flag + ": '" + value
          + "' (expected: seconds or a duration, 1s..600s)");
    }

    private static List<String> pick(String flag, String value, List<String> known) {
      List<String> out = new ArrayList<>();
      for (String name : value.split(",")) {
        if (!known.contains(name)) {
          throw new IllegalArgumentException(flag + ": '" + name + "' (expected one of " + known + ")");
        }
        out.add(name);
      }
      return out;
    }
  }
}
