package dev.sluice.common.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A main class run in a JVM of its own on the test's class path, as an operator runs the
 * broker, the gateway or {@code sluice}. Its output (stdout and stderr together) is read line
 * by line the whole time, so a full pipe never stalls it and every wait can show what it said.
 * It starts without the {@code SLUICE_*} variables of the test's environment, with {@code env}
 * added.
 *
 * <pre>{@code
 * try (JavaProcess broker = JavaProcess.start("dev.sluice.broker.BrokerMain",
 *     Map.of("SLUICE_BROKER_INSECURE", "true"), "--grpc-port", "0")) {
 *   Matcher m = broker.await(Pattern.compile("listening on [^:]+:(\\d+)"), Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class JavaProcess implements AutoCloseable {
  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private volatile boolean outputEnded;

  private JavaProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::read, "process-" + process.pid() + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java -cp <the test's class path> mainClass args...}. */
  public static JavaProcess start(String mainClass, Map<String, String> env, String... args) {
    return start(List.of(), mainClass, env, args);
  }

  /**
   * {@link #start} in a session of its own, without a controlling terminal ({@code setsid}),
   * as under an init or in a container: the same whether the tests run at a terminal or not.
   */
  public static JavaProcess startDetached(String mainClass, Map<String, String> env,
      String... args) {
    return start(List.of("setsid"), mainClass, env, args);
  }

  private static JavaProcess start(List<String> prefix, String mainClass,
      Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("SLUICE_"));
    builder.environment().putAll(env);
    try {
      return new JavaProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every line it printed so far. */
  public List<String> output() {
    return List.copyOf(output);
  }

  /**
   * Waits until a line matches {@code pattern} (found anywhere in it) and returns the match;
   * an AssertionError with the output when the process ends or {@code timeout} passes first.
   */
  public Matcher await(Pattern pattern, Duration timeout) {
    awaitLine(line -> pattern.matcher(line).find(), timeout, "a line matching " + pattern);
    return output.stream().map(pattern::matcher).filter(Matcher::find).findFirst()
        .orElseThrow();
  }

  /** Waits until a line starts with {@code prefix}, the same way. */
  public String awaitLineStartingWith(String prefix, Duration timeout) {
    awaitLine(line -> line.startsWith(prefix), timeout, "a line starting with '" + prefix + "'");
    return output.stream().filter(line -> line.startsWith(prefix)).findFirst().orElseThrow();
  }

  /** Waits until it exits and returns its exit code; an AssertionError if it does not. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + "; its output:\n" + text());
    }
    return process.exitValue();
  }

  /** SIGTERM, through the handle, so its output can still be read while it stops. */
  public void sigterm() {
    process.toHandle().destroy();
  }

  /** Its process id, for signals {@link #sigterm} does not send. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The processes it started, such as {@code sluice up}'s broker and gateway. */
  public List<ProcessHandle> descendants() {
    return process.descendants().toList();
  }

  /** Its output as one text, for failure messages. */
  public String text() {
    return String.join("\n", output);
  }

  /** Kills it and whatever it started, if still running. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private void awaitLine(Predicate<String> wanted, Duration timeout, String what) {
    try {
      // Until the line comes, or the output ends (the process and all it started are gone).
      Awaitility.await().atMost(timeout).until(() -> output.stream().anyMatch(wanted)
          || outputEnded);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no " + what + " within " + timeout + "; its output:\n" + text(),
          e);
    }
    if (output.stream().noneMatch(wanted)) {
      throw new AssertionError("no " + what + " before its output ended; its output:\n"
          + text());
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        output.add(line);
      }
    } catch (IOException e) {
      // The process is gone.
    } finally {
      outputEnded = true;
    }
  }
}
