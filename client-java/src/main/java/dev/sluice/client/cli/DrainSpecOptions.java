package dev.sluice.client.cli;

import dev.sluice.client.TimeSpec;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The settings options of {@code sluice drains create} and {@code update} but {@code --url}
 * (required by one, optional in the other), checked as they are parsed (a mistake is a usage
 * error naming the option), and the {@link DrainSpec} and update mask they make. The limits
 * repeat the broker's ({@code DrainPlugin}); the broker still checks everything, and its word
 * is final.
 */
final class DrainSpecOptions {
  static final int MAX_BATCH_LINES = 5_000;
  static final long MIN_FLUSH_MS = 100;
  static final long MAX_FLUSH_MS = 60_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  @Option(names = "--secret-file", order = 11, paramLabel = "FILE",
      description = "Read the signing secret (at least 64 characters, one line) from FILE; "
          + "'-' reads stdin.")
  Path secretFile;

  @Option(names = "--secret-env", order = 12, paramLabel = "VAR",
      description = "Read the signing secret from the environment variable VAR.")
  String secretEnv;

  /** Not accepted; there only to refuse it without echoing the value. */
  @Option(names = "--secret", order = 13, hidden = true, paramLabel = "SECRET",
      converter = RefuseSecretArgument.class)
  String secretArgument;

  @Option(names = "--filter", order = 14, paramLabel = "FILTER",
      converter = TailCommand.FilterConverter.class,
      description = "Subject filter of the lines to deliver (create default: '>', everything).")
  String filter;

  @Option(names = "--level", order = 15, paramLabel = "LEVEL",
      converter = LevelConverter.class,
      description = "Minimum level: trace, debug, info, warn, error, fatal, or all "
          + "(create default: all).")
  Level level;

  @Option(names = "--batch-lines", order = 16, paramLabel = "N",
      converter = BatchLinesConverter.class,
      description = "Most lines per batch, 1.." + MAX_BATCH_LINES + " (create default: 1000).")
  Integer batchLines;

  @Option(names = "--flush-interval", order = 17, paramLabel = "DURATION",
      converter = FlushIntervalConverter.class,
      description = "Longest wait before a partial batch is sent, 100ms..60s, such as 500ms "
          + "or 2s (create default: 1s).")
  Integer flushIntervalMs;

  /**
   * One setting a drain can be given: its DrainSpec field as an update mask names it, whether
   * it was given, and how it goes into the spec.
   */
  private record Setting(String field, boolean given, Consumer<DrainSpec.Builder> apply) {}

  /**
   * Every setting, in the order of DrainSpec's fields, with {@code url} and {@code secret}
   * (null: not given). One list, so that the spec and its update mask cannot disagree; a
   * presence check is needed because {@code --level all} sets min_level to its default.
   */
  private List<Setting> settings(String url, String secret) {
    return List.of(
        new Setting("url", url != null, spec -> spec.setUrl(url)),
        new Setting("secret", secret != null, spec -> spec.setSecret(secret)),
        new Setting("filter", filter != null, spec -> spec.setFilter(filter)),
        new Setting("min_level", level != null, spec -> spec.setMinLevel(level)),
        new Setting("max_batch_lines", batchLines != null,
            spec -> spec.setMaxBatchLines(batchLines)),
        new Setting("flush_interval_ms", flushIntervalMs != null,
            spec -> spec.setFlushIntervalMs(flushIntervalMs)));
  }

  /** The spec these options give, named {@code name}, with {@code url} and {@code secret}. */
  DrainSpec spec(String name, String url, String secret) {
    DrainSpec.Builder spec = DrainSpec.newBuilder().setName(name);
    settings(url, secret).stream().filter(Setting::given).forEach(s -> s.apply().accept(spec));
    return spec.build();
  }

  /** The DrainSpec fields given, for {@code UpdateDrainRequest.update_mask}. */
  List<String> mask(String url, String secret) {
    return settings(url, secret).stream().filter(Setting::given).map(Setting::field).toList();
  }

  /** The secret from --secret-file or --secret-env (or stdin, if {@code stdinByDefault}). */
  String secret(boolean stdinByDefault) {
    return DrainSecret.read(secretFile, secretEnv, System::getenv, DrainSecret.SYSTEM,
        stdinByDefault);
  }

  /**
   * {@code --secret VALUE}: refused, and the value never repeated, since a message may end up
   * in a CI log.
   */
  static final class RefuseSecretArgument implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      throw new TypeConversionException("a secret is not taken from the command line, where "
          + "it shows in the shell history and in ps (use --secret-file FILE or --secret-env "
          + "VAR, and treat this secret as exposed)");
    }
  }

  /** The help text of {@code --url}. */
  static final String URL_HELP = "HTTPS endpoint that receives the POSTed NDJSON batches.";

  /** A drain's name: what the broker accepts. */
  static final class NameConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!NAME.matcher(value).matches()) {
        throw new TypeConversionException("'" + value + "' (expected: 1 to 64 of "
            + "A-Z a-z 0-9 _ -)");
      }
      return value;
    }
  }

  /** An absolute http(s) URL with a host; whether plain http is allowed is the broker's call. */
  static final class UrlConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException e) {
        throw new TypeConversionException("'" + value + "' is not a URL (" + e.getReason()
            + ")");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
        throw new TypeConversionException("'" + value + "' (expected: an https:// URL with a "
            + "host, such as https://intake.example.com/v1/logs)");
      }
      if (uri.getRawUserInfo() != null) {
        throw new TypeConversionException("credentials in the URL are not allowed (the "
            + "signature authenticates deliveries)");
      }
      return value;
    }
  }

  /** Levels by name, any case, and {@code all} for every level. */
  static final class LevelConverter implements ITypeConverter<Level> {
    private final TailCommand.LevelConverter names = new TailCommand.LevelConverter();

    @Override
    public Level convert(String value) {
      if (value.equalsIgnoreCase("all")) {
        return Level.LEVEL_UNSPECIFIED;
      }
      try {
        return names.convert(value);
      } catch (TypeConversionException e) {
        throw new TypeConversionException("'" + value
            + "' (expected: one of trace, debug, info, warn, error, fatal, all)");
      }
    }
  }

  /** 1..{@value #MAX_BATCH_LINES}. */
  static final class BatchLinesConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        int lines = Integer.parseInt(value.trim());
        if (lines >= 1 && lines <= MAX_BATCH_LINES) {
          return lines;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException("'" + value + "' (expected: a number of lines, 1.."
          + MAX_BATCH_LINES + ")");
    }
  }

  /** A duration such as {@code 500ms} or {@code 2s}, in whole milliseconds, 100ms..60s. */
  static final class FlushIntervalConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      Duration d;
      try {
        d = TimeSpec.duration(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' (expected: a duration such as "
            + "500ms, 1s or 2s)");
      }
      if (d.compareTo(Duration.ofMillis(MIN_FLUSH_MS)) < 0
          || d.compareTo(Duration.ofMillis(MAX_FLUSH_MS)) > 0) {
        throw new TypeConversionException("'" + value + "' (expected: 100ms..60s)");
      }
      return (int) d.toMillis();
    }
  }
}
