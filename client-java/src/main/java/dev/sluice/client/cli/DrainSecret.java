package dev.sluice.client.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Where {@code sluice drains} takes a drain's signing secret from: a file
 * ({@code --secret-file FILE}, {@code -} for stdin), an environment variable
 * ({@code --secret-env VAR}), or, for {@code create} when neither is given, stdin when it is
 * not a terminal. Never from a command-line argument, which would land in the shell's history
 * and in {@code ps}. The secret is never printed, not even in an error message.
 *
 * <p>Trailing line breaks are dropped ({@code echo} and editors add one); a secret of several
 * lines is refused. How long it must be is the broker's rule: it says so.
 */
final class DrainSecret {
  /** Largest secret file read, in bytes: a secret is short, a mistaken file may be huge. */
  static final int MAX_BYTES = 64 * 1024;
  static final String HOW = "give --secret-file FILE or --secret-env VAR, or pipe the secret "
      + "on stdin";

  /** The process's standard input, and whether it is a terminal. */
  interface Stdin {
    boolean isTerminal();

    InputStream stream();
  }

  /** This process's stdin. */
  static final Stdin SYSTEM = new Stdin() {
    @Override
    public boolean isTerminal() {
      return stdinIsTerminal();
    }

    @Override
    public InputStream stream() {
      return System.in;
    }
  };

  private DrainSecret() {}

  /**
   * The secret the options name; IllegalArgumentException naming the option when it cannot be
   * had. Without either option: stdin if {@code stdinByDefault} (else null, no secret given).
   */
  static String read(Path file, String envVar, UnaryOperator<String> env, Stdin stdin,
      boolean stdinByDefault) {
    if (file != null && envVar != null) {
      throw new IllegalArgumentException("--secret-file and --secret-env: give one of them");
    }
    if (envVar != null) {
      return fromEnv(envVar, env);
    }
    if (file != null && !file.toString().equals("-")) {
      return fromFile(file);
    }
    if (file == null && !stdinByDefault) {
      return null;
    }
    String label = file != null ? "--secret-file -" : "no secret";
    if (stdin.isTerminal()) {
      throw new IllegalArgumentException(label + ": stdin is a terminal, where a typed secret "
          + "would show (" + HOW + ")");
    }
    try (InputStream in = stdin.stream()) {
      return clean(label + " (stdin)", in.readNBytes(MAX_BYTES + 1));
    } catch (IOException e) {
      throw new IllegalArgumentException(label + ": cannot read stdin: " + e.getMessage());
    }
  }

  private static String fromEnv(String name, UnaryOperator<String> env) {
    if (name.isEmpty() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException("--secret-env: '" + name + "' (expected: the name of "
          + "an environment variable)");
    }
    String value = env.apply(name);
    if (value == null) {
      throw new IllegalArgumentException("--secret-env: environment variable " + name
          + " is not set");
    }
    return clean("--secret-env: environment variable " + name,
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static String fromFile(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return clean("--secret-file: " + file, in.readNBytes(MAX_BYTES + 1));
    } catch (IOException e) {
      // The exception's message names the file and the reason, never the content.
      throw new IllegalArgumentException("--secret-file: cannot read " + file + " ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  private static String clean(String what, byte[] raw) {
    if (raw.length > MAX_BYTES) {
      throw new IllegalArgumentException(what + ": larger than " + MAX_BYTES + " bytes "
          + "(expected: one line, the secret)");
    }
    String value = new String(raw, StandardCharsets.UTF_8);
    int end = value.length();
    while (end > 0 && (value.charAt(end - 1) == '\n' || value.charAt(end - 1) == '\r')) {
      end--;
    }
    value = value.substring(0, end);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(what + ": empty (" + HOW + ")");
    }
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(what + ": more than one line (expected: one line, "
          + "the secret)");
    }
    return value;
  }

  /**
   * Whether stdin is a terminal. Java 17 has a console only when stdin and stdout both are;
   * on Linux {@code /proc} also tells when only stdin is (for example {@code ... | less}).
   */
  private static boolean stdinIsTerminal() {
    Console console = System.console();
    if (console != null) {
      return true;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false; // not Linux: trust the console check
    }
  }
}
