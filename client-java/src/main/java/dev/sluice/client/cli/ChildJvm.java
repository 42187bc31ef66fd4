package dev.sluice.client.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server started by {@code sluice up} as a child JVM on this command's own class path, with
 * its output going straight to ours. Stopping it sends SIGTERM so it shuts down gracefully.
 */
final class ChildJvm {
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(200);

  private final String name;
  private final Process process;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /** True if {@code mainClass} is on the class path (without initializing it). */
  static boolean available(String mainClass) {
    try {
      Class.forName(mainClass, false, ChildJvm.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Starts {@code java -cp <our class path> mainClass args...}. */
  static ChildJvm start(String name, String mainClass, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    return new ChildJvm(name, new ProcessBuilder(command).inheritIO().start());
  }

  /** True if something accepts TCP connections on {@code address}. */
  static boolean accepts(HostPort address) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address.host(), address.port()),
          (int) CONNECT_TIMEOUT.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Waits until the child accepts connections on {@code address}: true when it does, false if
   * it exited first or {@code timeout} passed. Polls every 50 ms; the wait between polls is a
   * wait for the child's exit, so a child that dies is noticed at once.
   */
  boolean awaitListening(HostPort address, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (accepts(address)) {
        return true;
      }
      if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        return false;
      }
    }
    return false;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  /** SIGTERM, then up to {@code grace} for a graceful exit, then SIGKILL. */
  void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println("sluice up: " + name + " did not stop within " + grace.toSeconds()
            + " s; killing it");
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  long pid() {
    return process.pid();
  }
}
