package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker in its own JVM ({@code dev.sluice.broker.BrokerMain} on the test's class path), for
 * tests that must kill it the hard way. Its output is read on a thread the whole time (a full
 * pipe would stall the broker), the port is learnt from the line it prints once it listens,
 * and the last lines are kept for failure messages.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.start(dataDir, 0, "--store", "segment")) {
 *   ... broker.target() ...
 *   broker.kill();  // SIGKILL
 * }
 * }</pre>
 */
public final class BrokerProcess implements AutoCloseable {
  private static final String MAIN = "dev.sluice.broker.BrokerMain";
  private static final Pattern LISTENING =
      Pattern.compile("sluice broker: gRPC listening on [^ ]+:(\\d+), data in ");
  /** Covers a JVM start on a busy CI machine; the broker itself starts in well under 1 s. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int KEEP_LINES = 200;

  private final Process process;
  private final CompletableFuture<Integer> listening = new CompletableFuture<>();
  private final ArrayDeque<String> lastLines = new ArrayDeque<>(); // guarded by itself
  private final int port;

  private BrokerProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readOutput, "broker-" + process.pid() + "-output");
    reader.setDaemon(true);
    reader.start();
    this.port = awaitListening();
  }

  /**
   * Starts {@code BrokerMain --insecure --grpc-host 127.0.0.1 --grpc-port <port> --data-dir
   * <dataDir> <extraArgs>} and waits until it listens.
   *
   * @param port 0 for any free port
   */
  public static BrokerProcess start(Path dataDir, int port, String... extraArgs) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), MAIN, "--insecure",
        "--grpc-host", "127.0.0.1", "--grpc-port", Integer.toString(port),
        "--data-dir", dataDir.toString()));
    command.addAll(List.of(extraArgs));
    try {
      return new BrokerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String target() {
    return "127.0.0.1:" + port;
  }

  /**
   * SIGKILL, like {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. Through
   * the process handle, not {@link Process#destroyForcibly()}, which would also close our end
   * of its output. Waits (bounded) for it to be gone and returns its exit value.
   */
  public int kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException("broker " + process.pid() + " still alive after SIGKILL");
    }
    return process.exitValue();
  }

  /** The last lines it printed (stdout and stderr), for assertions and failure messages. */
  public List<String> output() {
    synchronized (lastLines) {
      return List.copyOf(lastLines);
    }
  }

  /** Kills it if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  private int awaitListening() {
    try {
      return listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.toHandle().destroyForcibly();
      throw new IllegalStateException("interrupted while the broker started", e);
    } catch (ExecutionException | TimeoutException e) {
      process.toHandle().destroyForcibly();
      throw new IllegalStateException("the broker did not start listening within "
          + START_TIMEOUT.toSeconds() + " s; its output:\n" + String.join("\n", output()), e);
    }
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lastLines) {
          if (lastLines.size() == KEEP_LINES) {
            lastLines.pollFirst();
          }
          lastLines.addLast(line);
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          listening.complete(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      // The process is gone; fall through.
    }
    listening.completeExceptionally(new IllegalStateException("the broker exited"));
  }
}
