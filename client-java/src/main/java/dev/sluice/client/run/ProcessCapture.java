package dev.sluice.client.run;

import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Stream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code sluice run}: starts a command with its stdout and stderr on pipes, sends every line
 * to the broker through a {@link SluiceRunner}, forwards SIGINT, SIGTERM and SIGHUP to it,
 * serves {@code SLUICE_CONTROL} for its requests, and when it exits sends what is left and
 * returns its exit code (128 + the signal's number when a signal ended it).
 */
public final class ProcessCapture {
  /** The child's environment names the control socket here. */
  public static final String CONTROL_ENV = "SLUICE_CONTROL";
  private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");
  // How long a control command waits for the lines the child printed before it.
  private static final long SETTLE_MILLIS = 1_000;

  private final SluiceRunner runner;
  private final Duration flushTimeout;
  private final boolean tee;
  private final Map<String, RequestScope> requests = new ConcurrentHashMap<>();
  private volatile Pump out;
  private volatile Pump err;
  private volatile long childNanos;

  /**
   * @param runner where the lines go; closed by {@link #run}
   * @param flushTimeout how long the end waits for the broker to store what is left
   */
  public ProcessCapture(SluiceRunner runner, Duration flushTimeout) {
    this(runner, flushTimeout, false);
  }

  /**
   * @param tee also copy the child's output, as it comes, to this process's stdout and stderr
   *     (a console that wants to see it); a console that does not keep up then slows the child
   */
  public ProcessCapture(SluiceRunner runner, Duration flushTimeout, boolean tee) {
    this.runner = runner;
    this.flushTimeout = flushTimeout;
    this.tee = tee;
  }

  /** Runs {@code command} to its end; returns its exit code. */
  public int run(List<String> command) throws IOException, InterruptedException {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command: none (expected: sluice run [OPTIONS] -- "
          + "CMD [ARGS...])");
    }
    try (runner; ControlSocket control = ControlSocket.open(this::command)) {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put(CONTROL_ENV, control.path().toString());
      // The runner's token is ours, not the child's: a child that prints its environment
      // (a crash report, a debug dump) would send it into the logs.
      builder.environment().remove("SLUICE_TOKEN");
      // Python buffers a pipe's output in blocks: lines would come late and out of order
      // with stderr and with control calls. Unbuffered unless the caller chose otherwise.
      builder.environment().putIfAbsent("PYTHONUNBUFFERED", "1");
      Process child;
      long started = System.nanoTime();
      // Before the start: a SIGTERM in between would otherwise kill us and orphan the child.
      Forwarder signals = Forwarder.install();
      int code;
      try {
        try {
          child = builder.start();
        } catch (IOException e) {
          throw new IOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        signals.started(child);
        child.getOutputStream().close(); // no stdin: the child reads EOF, as under an init
        out = new Pump(child.getInputStream(), Stream.STDOUT, runner, tee ? System.out : null);
        err = new Pump(child.getErrorStream(), Stream.STDERR, runner, tee ? System.err : null);
        out.start();
        err.start();
        code = child.waitFor();
      } finally {
        signals.restore(); // the JVM's own handling again
      }
      childNanos = System.nanoTime() - started;
      // The pipes end once the child and whatever it started that kept them are gone.
      out.join(TimeUnit.SECONDS.toMillis(5));
      err.join(TimeUnit.SECONDS.toMillis(5));
      for (RequestScope open : requests.values()) {
        open.close();
      }
      requests.clear();
      if (!runner.flush(flushTimeout) || runner.droppedCount() > 0) {
        // On sluice run's own stderr, never into the captured logs: say what did not make it.
        System.err.printf("sluice run: %s%n", runner.droppedCount() > 0
            ? runner.droppedCount() + " lines were dropped (the buffer was full)"
            : "the broker did not store the last lines within " + flushTimeout);
      }
      return code;
    }
  }

  /** How long the last run's command ran, from its start to its exit (for benchmarks). */
  public Duration childTime() {
    return Duration.ofNanos(childNanos);
  }

  /**
   * Forwards SIGINT, SIGTERM and SIGHUP to the child; one that comes before the child exists
   * is sent once it does.
   */
  private static final class Forwarder {
    private final Map<Signal, SignalHandler> before = new java.util.HashMap<>();
    private final List<String> pending = new java.util.ArrayList<>();
    private Process child;

    static Forwarder install() {
      Forwarder f = new Forwarder();
      for (String name : FORWARDED) {
        try {
          Signal signal = new Signal(name);
          f.before.put(signal, Signal.handle(signal, s -> f.forward(name)));
        } catch (IllegalArgumentException e) {
          // The JVM keeps this one for itself (or the platform has none): not forwarded.
        }
      }
      return f;
    }

    private synchronized void forward(String name) {
      if (child == null) {
        pending.add(name);
      } else {
        send(child, name);
      }
    }

    synchronized void started(Process started) {
      child = started;
      pending.forEach(name -> send(started, name));
      pending.clear();
    }

    void restore() {
      before.forEach(Signal::handle);
    }
  }

  private static void send(Process child, String signal) {
    if (!child.isAlive()) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-s", signal, Long.toString(child.pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      if ("TERM".equals(signal)) {
        child.destroy(); // SIGTERM without kill(1)
      }
    }
  }

  /** One control line; the answer the child reads. */
  String command(String line) {
    long since = System.nanoTime();
    String[] words = line.split("\\s+", 4);
    if (words.length < 2 || !(words[0].equals("start") || words[0].equals("end"))) {
      return "error: unknown command '" + clip(line) + "' (expected: start REQUEST_ID "
          + "[ENDPOINT [CALLER]] or end REQUEST_ID [ok | error [MESSAGE]])";
    }
    String id = words[1];
    try {
      settle(since);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "error: interrupted";
    }
    if (words[0].equals("start")) {
      synchronized (requests) { // one start of an id at a time: no request left open twice
        if (requests.containsKey(id)) {
          return "error: request " + id + " is already open";
        }
        try {
          requests.put(id, runner.request(id, words.length > 2 ? words[2] : "",
              words.length > 3 ? words[3] : ""));
        } catch (IllegalArgumentException e) {
          return "error: " + e.getMessage();
        }
      }
      return "ok";
    }
    RequestScope scope = requests.remove(id);
    if (scope == null) {
      return "error: request " + id + " is not open";
    }
    if (words.length > 2 && words[2].equals("error")) {
      scope.fail(words.length > 3 ? words[3] : "failed");
    }
    scope.close();
    return "ok";
  }

  private void settle(long since) throws InterruptedException {
    Pump o = out;
    Pump e = err;
    if (o != null) {
      o.settle(since, SETTLE_MILLIS);
    }
    if (e != null) {
      e.settle(since, SETTLE_MILLIS);
    }
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
