package dev.sluice.client.run;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.common.ByteSizes;
import dev.sluice.common.Durations;
import dev.sluice.proto.v1.Stream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice run}: starts a command with its stdout and stderr on pipes (and this process's
 * stdin as its own), sends every line to the broker through a {@link SluiceRunner}, forwards
 * SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGWINCH and SIGUSR2 to it ({@link ChildSignals}), serves
 * {@code SLUICE_CONTROL} for its requests, and when it exits sends what is left and returns
 * its exit code (128 + the signal's number when a signal ended it). Lines and request events
 * pass through a {@link Spool}, which keeps them on disk, in order, while the runner's buffer
 * is half full (the broker is away).
 */
public final class ProcessCapture {
  /** The child's environment names the control socket here. */
  public static final String CONTROL_ENV = "SLUICE_CONTROL";
  // How long a control command waits for the lines the child printed before it.
  private static final long SETTLE_MILLIS = 1_000;

  /**
   * Where the spool goes and how large it may grow.
   *
   * @param dir the spool's directory, made only when something is spooled, removed at the end
   * @param bytes most bytes on disk; past it the oldest DEBUG/INFO lines are dropped first
   */
  public record Spooling(Path dir, long bytes) {
    /** Default bound: a burst of a few minutes of a busy process. */
    public static final long DEFAULT_BYTES = 256L * 1024 * 1024;

    public Spooling {
      java.util.Objects.requireNonNull(dir, "dir");
      if (bytes < SpoolFiles.MIN_BOUND) {
        throw new IllegalArgumentException("spool bytes: " + ByteSizes.format(bytes)
            + " (expected: at least " + ByteSizes.format(SpoolFiles.MIN_BOUND) + ")");
      }
    }

    /** A directory of its own for this process under {@code dataDir}/spool. */
    public static Spooling under(Path dataDir, long bytes) {
      return new Spooling(dataDir.resolve("spool").resolve("run-" + ProcessHandle.current().pid()
          + "-" + Long.toHexString(System.nanoTime())), bytes);
    }
  }

  /**
   * The command could not be started. {@link #exitCode} is what a shell (and env, nice or
   * docker run) exits with for it, so an init or a script above tells the two apart.
   */
  public static final class NotStarted extends IOException {
    static final int NOT_FOUND = 127;
    static final int NOT_EXECUTABLE = 126;
    private final int exitCode;

    NotStarted(String message, int exitCode, Throwable cause) {
      super(message, cause);
      this.exitCode = exitCode;
    }

    /** 127: not found; 126: found, but it could not be run. */
    public int exitCode() {
      return exitCode;
    }
  }

  private final SluiceRunner runner;
  private final Duration flushTimeout;
  private final boolean tee;
  private final Spooling spooling;
  private final Boolean atTerminal;
  private final Set<String> open = new HashSet<>(); // requests the child has open; guarded
  private volatile Spool spool;
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
    this(runner, flushTimeout, tee, Spooling.under(Path.of(System.getProperty("java.io.tmpdir"),
        "sluice"), Spooling.DEFAULT_BYTES));
  }

  /** @param spooling where lines wait on disk while the broker is away */
  public ProcessCapture(SluiceRunner runner, Duration flushTimeout, boolean tee,
      Spooling spooling) {
    this(runner, flushTimeout, tee, spooling, null);
  }

  /**
   * @param atTerminal whether to act as at a terminal ({@link ChildSignals}); null: as this
   *     process is (tests that must not depend on where they run say which)
   */
  ProcessCapture(SluiceRunner runner, Duration flushTimeout, boolean tee, Spooling spooling,
      Boolean atTerminal) {
    this.runner = runner;
    this.flushTimeout = flushTimeout;
    this.tee = tee;
    this.spooling = spooling;
    this.atTerminal = atTerminal;
  }

  /** Runs {@code command} to its end; returns its exit code. */
  public int run(List<String> command) throws IOException, InterruptedException {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command: none (expected: sluice run [OPTIONS] -- "
          + "CMD [ARGS...])");
    }
    try (runner; Spool spool = new Spool(new ToRunner(runner), spooling.dir(), spooling.bytes(),
        runner.bufferRecords() / 2); ControlSocket control = ControlSocket.open(this::command)) {
      this.spool = spool;
      ChildSignals.Launch launch = ChildSignals.launch(command, atTerminal != null ? atTerminal
          : ChildSignals.inForegroundOfTerminal());
      ProcessBuilder builder = new ProcessBuilder(launch.line());
      builder.environment().put(CONTROL_ENV, control.path().toString());
      // The runner's token is ours, not the child's: a child that prints its environment
      // (a crash report, a debug dump) would send it into the logs.
      builder.environment().remove("SLUICE_TOKEN");
      // Python buffers a pipe's output in blocks: lines would come late and out of order
      // with stderr and with control calls. Unbuffered unless the caller chose otherwise.
      builder.environment().putIfAbsent("PYTHONUNBUFFERED", "1");
      // Our stdin is the child's: producer | sluice run -- consumer works, a terminal reaches
      // it, and under an init it is what the init gave us (/dev/null, mostly). Not a terminal
      // we are in the background of (sluice run ... &): the child, in a group of its own,
      // would be stopped at its first read (SIGTTIN), and no fg would continue it.
      builder.redirectInput(!launch.atTerminal() && ChildSignals.stdinIsTerminal()
          ? ProcessBuilder.Redirect.from(new File("/dev/null"))
          : ProcessBuilder.Redirect.INHERIT);
      Process child;
      long started = System.nanoTime();
      // Before the start: a SIGTERM in between would otherwise kill us and orphan the child.
      ChildSignals signals = ChildSignals.install(launch);
      // The controls stay ours until the last line is sent: a logrotate's USR1 after the
      // child's end finds no child and is dropped, where the JVM's own handling would end us
      // before the flush. INT, TERM and HUP go back to the JVM then: they may end the wait.
      try {
        try {
          child = builder.start();
        } catch (IOException e) {
          throw new NotStarted("cannot start " + command.get(0) + ": " + e.getMessage(),
              NotStarted.NOT_EXECUTABLE, e);
        }
        signals.started(child);
        out = new Pump(child.getInputStream(), Stream.STDOUT, spool::line,
            tee ? System.out : null);
        err = new Pump(child.getErrorStream(), Stream.STDERR, spool::line,
            tee ? System.err : null);
        out.start();
        err.start();
        int code = child.waitFor();
        signals.restoreEnding();
        childNanos = System.nanoTime() - started;
        flush(spool);
        return code;
      } finally {
        signals.restore();
      }
    }
  }

  /** Sends what is left once the child is gone: its last lines, its open requests' ends. */
  private void flush(Spool spool) throws InterruptedException {
    // The pipes end once the child and whatever it started that kept them are gone.
    out.join(TimeUnit.SECONDS.toMillis(5));
    err.join(TimeUnit.SECONDS.toMillis(5));
    synchronized (open) {
      for (String id : open) {
        spool.end(id, false, "");
      }
      open.clear();
    }
    long deadline = System.nanoTime() + flushTimeout.toNanos();
    boolean stored = spool.awaitEmpty(flushTimeout)
        && runner.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    report(stored, spool);
  }

  /** On sluice run's own stderr, never into the captured logs: what did not make it. */
  private void report(boolean stored, Spool spool) {
    List<String> lost = new java.util.ArrayList<>();
    if (runner.droppedCount() > 0) {
      lost.add(runner.droppedCount() + " lines were dropped (the buffer was full)");
    }
    if (spool.droppedLines() > 0) {
      lost.add(spool.droppedLines() + " lines were dropped from the spool (it was full; the "
          + "logs say so where they were)");
    }
    if (spool.lostLines() > 0) {
      lost.add(spool.lostLines() + " spooled lines could not be read back (the logs say where)");
    }
    if (spool.spooledLines() > 0) {
      lost.add(spool.spooledLines() + " spooled lines were not sent within "
          + Durations.format(flushTimeout));
    } else if (!stored) {
      lost.add("the broker did not store the last lines within "
          + Durations.format(flushTimeout));
    }
    for (String what : lost) {
      System.err.printf("sluice run: %s%n", what);
    }
  }

  /** Hands the spool's events to the runner; request scopes live here. */
  private static final class ToRunner implements Spool.Delivery {
    private final SluiceRunner runner;
    private final Map<String, RequestScope> scopes = new HashMap<>(); // the spool's thread order

    ToRunner(SluiceRunner runner) {
      this.runner = runner;
    }

    @Override
    public void line(LogEntry entry) {
      try {
        runner.log(entry);
      } catch (RuntimeException e) {
        // A stopped runner: it counts what it drops, and the run ends with the child.
      }
    }

    @Override
    public synchronized void start(String id, String endpoint, String caller, long time) {
      RequestScope was = scopes.put(id, runner.request(id, endpoint, caller, time));
      if (was != null) {
        was.end(time); // not expected: the control socket refuses a second start
      }
    }

    @Override
    public synchronized void end(String id, boolean failed, String message, long time) {
      RequestScope scope = scopes.remove(id);
      if (scope != null) {
        if (failed) {
          scope.fail(message);
        }
        scope.end(time);
      }
    }

    @Override
    public int pending() {
      return runner.pendingCount();
    }
  }

  /** How long the last run's command ran, from its start to its exit (for benchmarks). */
  public Duration childTime() {
    return Duration.ofNanos(childNanos);
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
    Spool to = spool;
    if (to == null) {
      return "error: not running";
    }
    synchronized (open) { // one start or end at a time: no request left open twice
      if (words[0].equals("start")) {
        String endpoint = words.length > 2 ? words[2] : "";
        String caller = words.length > 3 ? words[3] : "";
        if (open.contains(id)) {
          return "error: request " + id + " is already open";
        }
        try {
          RequestScope.check(id, endpoint, caller);
        } catch (IllegalArgumentException e) {
          return "error: " + e.getMessage();
        }
        open.add(id);
        to.start(id, endpoint, caller);
        return "ok";
      }
      if (!open.remove(id)) {
        return "error: request " + id + " is not open";
      }
      boolean failed = words.length > 2 && words[2].equals("error");
      to.end(id, failed, failed ? (words.length > 3 ? words[3] : "failed") : "");
      return "ok";
    }
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
