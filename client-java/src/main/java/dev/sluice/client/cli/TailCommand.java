package dev.sluice.client.cli;

import dev.sluice.client.Subjects;
import dev.sluice.client.tail.ReconnectListener;
import dev.sluice.client.tail.SluiceSubscriber;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.client.tail.TailSubscription;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code sluice tail SUBJECT}: prints matching records as they arrive. */
@Command(name = "tail", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = {"Prints the records whose subject matches SUBJECT as they arrive.",
        "If the broker restarts or the connection drops, reconnects and resumes after the "
            + "last record printed."},
    footer = {"", "Examples:", "  sluice tail '>'", "  sluice tail 'demo-model.>' --level warn",
        "  sluice tail 'demo-model.*.req-12' --json"})
final class TailCommand implements Callable<Integer> {
  static final String TOKEN_ENV = "SLUICE_TOKEN";
  /** How long Ctrl-C waits for the output to be flushed. */
  private static final Duration STOP_FLUSH = Duration.ofSeconds(2);

  @Spec
  CommandSpec spec;

  @Mixin
  ReadOptions.Subject subject;

  @Mixin
  ReadOptions.MinLevel minLevel;

  @Mixin
  ReadOptions.Format format;

  @Option(names = "--last", paramLabel = "N",
      description = "First replay the last N stored matching records.")
  Integer last;

  @Option(names = "--count", paramLabel = "N",
      description = "Exit after printing N records (default: follow until Ctrl-C).")
  Long count;

  @Option(names = "--no-reconnect",
      description = "Exit when the broker ends the tail or the connection drops, instead of "
          + "reconnecting and resuming.")
  boolean noReconnect;

  @Option(names = "--grpc", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7400",
      converter = HostPort.Converter.class,
      description = "Broker address (default: ${DEFAULT-VALUE}).")
  HostPort grpc;

  @Mixin
  ReadOptions.Token token;

  static final String DEFAULT_TOKEN_FILE = "./.sluice/admin.token";

  @Override
  public Integer call() {
    if (last != null && last < 1) {
      return CommandErrors.usage(spec, "--last: " + last + " (expected: >= 1)");
    }
    if (count != null && count < 1) {
      return CommandErrors.usage(spec, "--count: " + count + " (expected: >= 1)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String bearer = token.bearer();
    try (SluiceSubscriber subscriber = SluiceSubscriber.connect(grpc.toString(), bearer);
        TailSubscription tail = noReconnect ? subscriber.tail(request())
            : subscriber.resumingTail(request(), reconnectReporter(out, err))) {
      // Ctrl-C: end the tail and give the loop below a moment to flush what it printed, so
      // the output does not stop mid-burst (or mid-line) when the JVM exits.
      CountDownLatch printed = new CountDownLatch(1);
      Thread stop = new Thread(() -> {
        tail.close();
        awaitQuietly(printed, STOP_FLUSH);
      }, "sluice-tail-stop");
      Runtime.getRuntime().addShutdownHook(stop);
      try {
        print(tail, format.format(), out);
      } finally {
        out.flush();
        printed.countDown();
        removeHook(stop);
      }
      return 0;
    } catch (StatusRuntimeException e) {
      return CommandErrors.failed(spec, explain(e.getStatus(), grpc));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private void print(TailSubscription tail, RecordFormat format, PrintWriter out)
      throws InterruptedException {
    long printed = 0;
    while (count == null || printed < count) {
      TailEvent event = tail.poll(Duration.ZERO);
      if (event == null) {
        // Nothing more buffered: show what we have, then block for the next event.
        out.flush();
        if (!tail.hasNext()) {
          break;
        }
        event = tail.next();
      }
      out.println(format.format(event));
      if (event instanceof TailEvent.RecordEvent) {
        printed++;
      }
    }
    out.flush();
  }

  /**
   * Says on stderr when the tail reconnects and when it has resumed. The records printed
   * before are flushed first, so on a terminal the notes appear where they happened.
   */
  private static ReconnectListener reconnectReporter(PrintWriter out, PrintWriter err) {
    return new ReconnectListener() {
      @Override
      public void reconnecting(Status reason, Duration delay) {
        note("reconnecting in " + delay.toMillis() + " ms: " + describe(reason));
      }

      @Override
      public void resumed() {
        note("resumed");
      }

      private void note(String text) {
        out.flush();
        err.println("sluice tail: " + text);
        err.flush();
      }
    };
  }

  /** A status in a few words: its description, and the cause a bare "io exception" hides. */
  private static String describe(Status status) {
    String detail = status.getDescription() == null || status.getDescription().isEmpty()
        ? status.getCode().name() : status.getDescription();
    Throwable cause = status.getCause();
    return cause != null && cause.getMessage() != null && !detail.contains(cause.getMessage())
        ? detail + " (" + cause.getMessage() + ")" : detail;
  }

  private TailRequest request() {
    TailRequest.Builder request = TailRequest.newBuilder().setFilter(subject.filter);
    if (minLevel.level != null) {
      request.setWhere(Predicates.newBuilder().setMinLevel(minLevel.level));
    }
    if (last != null) {
      request.setStart(StartPosition.newBuilder().setLastN(last));
    }
    return request.build();
  }

  /** A status as one sentence a person can act on. */
  static String explain(Status status, HostPort target) {
    String detail = status.getDescription() == null ? "" : status.getDescription();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT -> detail.startsWith("filter: ")
          ? "invalid filter: " + detail.substring("filter: ".length())
          : "invalid request: " + detail;
      case UNAVAILABLE -> detail.contains("shutting down")
          ? "the broker at " + target + " is shutting down (" + detail + ")"
          : "cannot reach the broker at " + target + " (is 'sluice up' running?): " + detail;
      case UNAUTHENTICATED -> "not authenticated: " + detail + " (use --token or "
          + TOKEN_ENV + ")";
      case PERMISSION_DENIED -> "permission denied: " + detail;
      default -> status.getCode().name().toLowerCase(Locale.ROOT) + ": " + detail;
    };
  }

  private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
    try {
      latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down (Ctrl-C): the hook is running or has run.
    }
  }

  /** Checks SUBJECT on the client so a typo is reported before connecting. */
  static final class FilterConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        return Subjects.requireFilter(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Levels by name, any case. */
  static final class LevelConverter implements ITypeConverter<Level> {
    @Override
    public Level convert(String value) {
      String name = value.toUpperCase(Locale.ROOT);
      for (Level level : Level.values()) {
        if (level != Level.LEVEL_UNSPECIFIED && level != Level.UNRECOGNIZED
            && level.name().equals(name)) {
          return level;
        }
      }
      throw new TypeConversionException("'" + value
          + "' (expected: one of trace, debug, info, warn, error, fatal)");
    }
  }
}
