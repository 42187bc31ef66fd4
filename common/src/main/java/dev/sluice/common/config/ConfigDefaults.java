package dev.sluice.common.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command's settings come from when its command line does not give them: first the
 * environment ({@code SLUICE_BROKER_GRPC_PORT}), then the config file's table of the command
 * ({@code [broker]}, {@code grpc-port = 7400}), then the command's own defaults. One
 * implementation, a picocli {@link IDefaultValueProvider}, for the broker and the gateway; and
 * {@code sluice up} reads the same places to know where its children will listen.
 *
 * <pre>{@code
 * # sluice.toml: keys are the long option names without their dashes
 * [broker]
 * grpc-port = 7400
 * retention-age = "30d"
 * trust-key = ["old.pub", "new.pub"]      # a repeatable option takes a list
 *
 * [gateway]
 * http-port = 7480
 * }</pre>
 *
 * <pre>{@code
 * ParseResult parsed = ConfigDefaults.parse(new CommandLine(flags), "broker", args, System.getenv());
 * }</pre>
 *
 * <p>A key of the file or a {@code SLUICE_<COMMAND>_} variable that names no option of the
 * command is an error that names it and the file; so is a table other than {@code [broker]}
 * and {@code [gateway]}. A list in a variable is separated by commas.
 */
public final class ConfigDefaults implements IDefaultValueProvider {
  /** The option that names the file; its variable is {@code SLUICE_<COMMAND>_CONFIG}. */
  public static final String CONFIG_OPTION = "--config";
  /** The tables a config file may have: one per command that reads it. */
  public static final Set<String> SECTIONS = Set.of("broker", "gateway");
  private static final String CONFIG_KEY = "config";

  private final String section;
  private final Path file;
  private final Map<String, String> fromFile;
  private final Map<String, String> fromEnv;

  private ConfigDefaults(String section, Path file, Map<String, String> fromFile,
      Map<String, String> fromEnv) {
    this.section = section;
    this.file = file;
    this.fromFile = fromFile;
    this.fromEnv = fromEnv;
  }

  /**
   * The settings of {@code section} in {@code file} (null for none) and in {@code env}.
   *
   * @throws IllegalArgumentException when the file cannot be read, is not TOML, or has a table
   *     other than the known sections or a value that is a table
   */
  public static ConfigDefaults load(String section, Path file, Map<String, String> env) {
    if (!SECTIONS.contains(section)) {
      throw new IllegalArgumentException("section: '" + section + "' (expected: " + SECTIONS
          + ")");
    }
    Map<String, String> fromEnv = new LinkedHashMap<>();
    String prefix = prefix(section);
    env.forEach((name, value) -> {
      if (name.startsWith(prefix) && name.length() > prefix.length()) {
        fromEnv.put(name.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '-'),
            value);
      }
    });
    return new ConfigDefaults(section, file, file == null ? Map.of() : read(file, section),
        fromEnv);
  }

  /**
   * Parses {@code args} into {@code cli}'s command with this provider beneath them: the file
   * named by {@code --config} (or {@code SLUICE_<COMMAND>_CONFIG}), and the environment.
   * Durations are read as {@link dev.sluice.common.Durations} reads them.
   *
   * @throws IllegalArgumentException with a message that names the option, the value, what
   *     was expected and, for a value from the file or the environment, where it came from
   */
  public static ParseResult parse(CommandLine cli, String section, String[] args,
      Map<String, String> env) {
    cli.registerConverter(Duration.class, new Converters.ToDuration());
    ConfigDefaults defaults = load(section, configFile(section, args, env), env);
    defaults.checkKeys(cli.getCommandSpec());
    cli.setDefaultValueProvider(defaults);
    try {
      return cli.parseArgs(args);
    } catch (ParameterException e) {
      throw new IllegalArgumentException(defaults.explain(e), e);
    }
  }

  /** The config file named by {@code args} ({@code --config F}, {@code --config=F}), or null. */
  static Path configFile(String section, String[] args, Map<String, String> env) {
    String named = env.get(prefix(section) + "CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
        named = args[++i];
      } else if (args[i].startsWith(CONFIG_OPTION + "=")) {
        named = args[i].substring(CONFIG_OPTION.length() + 1);
      }
    }
    return named == null || named.isBlank() ? null : Path.of(named);
  }

  /** The value of {@code key} (a long option name without dashes): environment, then file. */
  public Optional<String> value(String key) {
    String v = fromEnv.get(key);
    return Optional.ofNullable(v != null ? v : fromFile.get(key));
  }

  /** Where {@link #value} of {@code key} comes from, for messages; empty when from nowhere. */
  public Optional<String> origin(String key) {
    if (fromEnv.containsKey(key)) {
      return Optional.of("from " + variable(key));
    }
    return fromFile.containsKey(key)
        ? Optional.of("from " + key + " in [" + section + "] of " + file) : Optional.empty();
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    return arg instanceof OptionSpec option ? value(key(option)).orElse(null) : null;
  }

  /** Every key of the file and every variable of the section must name an option. */
  void checkKeys(CommandSpec spec) {
    Set<String> known = new TreeSet<>();
    for (OptionSpec option : spec.options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        known.add(key(option));
        if (option.arity().max() == 0) {
          // picocli flips a flag against its default: on from the file, --flag would be off.
          throw new IllegalStateException(option.longestName() + ": a flag read from a "
              + "config file needs arity = \"0..1\", fallbackValue = \"true\"");
        }
      }
    }
    for (String key : fromFile.keySet()) {
      if (key.equals(CONFIG_KEY) || !known.contains(key)) {
        throw new IllegalArgumentException(file + ": unknown key '" + key + "' in [" + section
            + "] (expected: a long option of " + spec.qualifiedName() + " without its dashes, "
            + "such as " + example(known) + ")");
      }
    }
    for (String key : fromEnv.keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(variable(key) + ": names no option of "
            + spec.qualifiedName() + " (expected: " + prefix(section) + " and a long option in "
            + "upper case, dashes as underscores, such as " + variable(example(known)) + ")");
      }
    }
  }

  /** picocli's message, led by the option's name, and where a bad value came from. */
  String explain(ParameterException e) {
    String message = e.getMessage();
    ArgSpec arg = e.getArgSpec();
    if (arg instanceof OptionSpec option) {
      if (e.getCause() instanceof TypeConversionException conversion) {
        message = option.longestName() + ": " + conversion.getMessage();
      }
      String key = key(option);
      Optional<String> value = value(key);
      if (value.isPresent() && e.getValue() != null
          && (value.get().equals(e.getValue()) || List.of(value.get().split(",", -1))
              .contains(e.getValue()))) {
        message += " (" + origin(key).orElseThrow() + ")";
      }
    }
    return message;
  }

  private String variable(String key) {
    return prefix(section) + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String prefix(String section) {
    return "SLUICE_" + section.toUpperCase(Locale.ROOT) + "_";
  }

  private static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^--?", "");
  }

  private static String example(Set<String> known) {
    return known.stream().filter(k -> k.contains("-")).findFirst()
        .orElse(known.isEmpty() ? "?" : known.iterator().next());
  }

  /** The {@code [section]} table of the TOML file, each value as the command line writes it. */
  private static Map<String, String> read(Path file, String section) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(CONFIG_OPTION + ": " + file + ": no such file");
    } catch (JacksonException e) {
      throw new IllegalArgumentException(file + ": not valid TOML: " + e.getOriginalMessage()
          + location(e));
    } catch (IOException e) {
      throw new IllegalArgumentException(CONFIG_OPTION + ": " + file + ": cannot read: " + e);
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!SECTIONS.contains(name)) {
        throw new IllegalArgumentException(file + ": unknown key '" + name + "' (expected: "
            + "the tables [broker] and [gateway], each with settings of that command)");
      }
      if (!root.get(name).isObject()) {
        throw new IllegalArgumentException(file + ": " + name + " (expected: a table, ["
            + name + "])");
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    JsonNode table = root.path(section);
    for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String text = text(entry.getValue());
      if (text == null) {
        throw new IllegalArgumentException(file + ": " + entry.getKey() + " in [" + section
            + "] is a table (expected: a string, a number, true or false, or a list of them)");
      }
      if (!text.isEmpty()) {
        values.put(entry.getKey(), text);
      }
    }
    return values;
  }

  /** A scalar as text, a list joined with commas (as picocli splits them); null for a table. */
  private static String text(JsonNode node) {
    if (node.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode element : node) {
        if (element.isContainerNode()) {
          return null;
        }
        parts.add(element.asText());
      }
      return String.join(",", parts);
    }
    return node.isObject() ? null : node.asText();
  }

  private static String location(JacksonException e) {
    return e.getLocation() == null ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
            + ")";
  }
}
