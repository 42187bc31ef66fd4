package dev.sluice.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in its own process (the broker's JVM or nats-server), so its CPU time,
 * resident memory and heap are its own. Output is read the whole time (a full pipe would stall
 * the server); the port is learnt from the line the server prints once it listens.
 */
final class ServerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** Linux reports process CPU in clock ticks of 1/100 s on every platform we run on. */
  private static final long NANOS_PER_TICK = 10_000_000L;
  private static final int KEEP_LINES = 100;

  private final String name;
  private final Process process;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final ArrayDeque<String> lastLines = new ArrayDeque<>(); // guarded by itself
  private final Pattern listening;

  private ServerProcess(String name, Process process, Pattern listening) {
    this.name = name;
    this.process = process;
    this.listening = listening;
    Thread reader = new Thread(this::readOutput, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} and waits until it prints a line whose group 1 is its port. */
  static ServerProcess start(String name, List<String> command, Pattern listening) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot start " + command.get(0), e);
    }
    ServerProcess server = new ServerProcess(name, process, listening);
    try {
      server.port.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      server.close();
      throw new IllegalStateException(name + " did not start within " + START_TIMEOUT
          + "; its last output:\n" + server.lastOutput(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.close();
      throw new IllegalStateException("interrupted", e);
    }
    return server;
  }

  String name() {
    return name;
  }

  int port() {
    return port.join();
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** User + system CPU time the process has used so far. */
  long cpuNanos() {
    return cpuNanos(process.pid());
  }

  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CPU time of process " + pid, e);
    }
  }

  /** Resident set size now, in bytes. */
  long rssBytes() {
    return statusKb("VmRSS:") * 1024;
  }

  /** Peak resident set size, in bytes. */
  long peakRssBytes() {
    return statusKb("VmHWM:") * 1024;
  }

  private long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
      return -1;
    } catch (IOException e) {
      return -1; // the process has gone
    }
  }

  /** Heap in use of a JVM server, via jcmd (garbage included); -1 if it cannot be read. */
  long heapUsedBytes() {
    Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd("GC.heap_info"));
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  /**
   * Live heap of a JVM server: the total of a class histogram, which jcmd takes after a full
   * collection. (The collector's "used" after a collection counts whole regions.)
   */
  long liveHeapBytes() {
    Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(classHistogram());
    if (!m.find()) {
      throw new IllegalStateException("no class histogram from " + name);
    }
    return Long.parseLong(m.group(1));
  }

  /** The heap's class histogram (for looking into a figure), via jcmd. */
  String classHistogram() {
    return jcmd("GC.class_histogram");
  }

  private String jcmd(String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  String lastOutput() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  /** True if the server ever printed an OutOfMemoryError. */
  boolean sawOutOfMemory() {
    return sawOutOfMemory;
  }

  private volatile boolean sawOutOfMemory;

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        Matcher m = listening.matcher(line);
        if (!port.isDone() && m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
        synchronized (lastLines) {
          if (line.contains("OutOfMemoryError")) {
            sawOutOfMemory = true;
          }
          lastLines.addLast(line);
          if (lastLines.size() > KEEP_LINES) {
            lastLines.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    port.completeExceptionally(new IllegalStateException(name + " exited"));
  }

  /** Asks the server to stop (SIGTERM), and kills it if it has not within 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
