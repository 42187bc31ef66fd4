package dev.sluice.client.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One in-process run of the command line with captured output, on its own thread. */
final class CliRun {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  private CliRun() {}

  static CliRun start(String... args) {
    CliRun run = new CliRun();
    Thread thread = new Thread(() -> {
      try {
        run.exit.complete(SluiceCli.commandLine(new PrintWriter(run.out, true),
            new PrintWriter(run.err, true)).execute(args));
      } catch (Throwable t) {
        run.exit.completeExceptionally(t);
      }
    }, "sluice-cli-test");
    thread.setDaemon(true);
    thread.start();
    return run;
  }

  /** Waits (bounded) for the exit code. */
  int exitCode() throws Exception {
    return exit.get(30, TimeUnit.SECONDS);
  }

  boolean isDone() {
    return exit.isDone();
  }

  String out() {
    synchronized (out) {
      return out.toString();
    }
  }

  String err() {
    return err.toString();
  }
}
