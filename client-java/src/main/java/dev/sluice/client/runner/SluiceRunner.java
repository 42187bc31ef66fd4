package dev.sluice.client.runner;

import dev.sluice.client.Subjects;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.proto.v1.Stream;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Streams a runner's logs to a Sluice broker over one gRPC Ingest stream.
 *
 * <pre>{@code
 * try (SluiceRunner runner = SluiceRunner.builder()
 *     .target("127.0.0.1:7400").app("my-model").runner("runner-1").build()) {
 *   runner.info("loading weights", Map.of("shard", "1/2"));
 *   try (RequestScope req = runner.request("req-7", "/predict", "user-42")) {
 *     req.info("step 1");
 *   }
 * }
 * }</pre>
 *
 * <p>Logging never blocks on the network: lines go into a bounded buffer
 * ({@link Builder#bufferRecords}); a sender thread ships them at once while fewer than two
 * frames are unacknowledged, else in batches once {@link Builder#maxBatchRecords} are pending,
 * a frame in flight is acknowledged, or after {@link Builder#linger}; always while the stream
 * is ready (HTTP/2 flow control). Every line and request event carries a client sequence number
 * of this runner's session; the runner keeps what the broker has not acknowledged, reconnects
 * with backoff (100 ms doubling to 5 s, with jitter) when the stream breaks, and resends what
 * the broker's Welcome says is missing. A full buffer drops its oldest unsent line and counts
 * it ({@link #droppedCount()}). A status no retry can fix (INVALID_ARGUMENT, PERMISSION_DENIED,
 * UNAUTHENTICATED, FAILED_PRECONDITION, UNIMPLEMENTED) stops the runner; see
 * {@link #lastError()} and {@link Builder#errorListener}.
 *
 * <p>Thread-safe. Lines logged outside a {@link RequestScope} carry no request id: the broker
 * puts them in the request open on this runner if exactly one is, else under {@code _}.
 */
public final class SluiceRunner extends LogMethods implements AutoCloseable {
  /** Default broker address. */
  public static final String DEFAULT_TARGET = "127.0.0.1:7400";
  /** Default capacity of the buffer of unsent and unacknowledged lines. */
  public static final int DEFAULT_BUFFER_RECORDS = 100_000;
  /**
   * Default number of pending lines that triggers a batch (and the most one frame carries; the
   * broker may ask for fewer). Frames fill up only while two are unacknowledged, that is under
   * load: there 2,000 lines a frame delivered 5-10 % more than 500 at lower CPU per line on
   * both sides (bench/README.md), and 4,000 or more started to starve the pipeline.
   */
  public static final int DEFAULT_MAX_BATCH_RECORDS = 2_000;
  /** Default time a line waits for company before a partial batch is sent. */
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
  /** Default bound of {@link #close()}: how long it waits for the last acknowledgements. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** A Welcome must arrive this soon after opening a stream, or the stream is retried. */
  static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(10);
  /** Longest message sent as one line; longer ones go as several lines, never dropped. */
  static final int MAX_MESSAGE_CHARS = 512 * 1024;

  private final RunnerSettings settings;
  private final OpenRequests openRequests = new OpenRequests();
  private final IngestLink link;

  private SluiceRunner(RunnerSettings settings) {
    this.settings = settings;
    ManagedChannel channel = NettyChannelBuilder.forTarget(settings.target()).usePlaintext()
        // Safe: every callback only takes a short lock and signals the sender thread.
        .directExecutor().build();
    this.link = new IngestLink(settings, channel);
    link.start();
  }

  /** Starts building a runner. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens a request scope: sends RequestStart now and RequestEnd when the scope is closed.
   *
   * @param requestId the request id, a subject token ({@value Subjects#TOKEN_PATTERN})
   * @param endpoint the endpoint it hit, for example {@code /predict}; may be empty
   * @param caller principal id of the caller that submitted it; may be empty
   * @throws IllegalArgumentException if an argument is invalid
   */
  public RequestScope request(String requestId, String endpoint, String caller) {
    return request(requestId, endpoint, caller, 0);
  }

  /**
   * {@link #request(String, String, String)} that started at {@code timeUnixNano} (0: now),
   * for events replayed later than they happened, such as from a spool.
   */
  public RequestScope request(String requestId, String endpoint, String caller,
      long timeUnixNano) {
    RequestScope.check(requestId, endpoint, caller);
    String ep = endpoint == null ? "" : endpoint;
    String who = caller == null ? "" : caller;
    long time = timeUnixNano > 0 ? timeUnixNano : nowNanos();
    link.state().event(seq -> IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setSeq(seq).setRequestId(requestId).setEndpoint(ep).setCaller(who)
        .setTimeUnixNano(time)).build());
    openRequests.add(requestId);
    return new RequestScope(this, requestId);
  }

  /** Called by a closing scope before its RequestEnd is queued. */
  void requestClosed(String requestId) {
    openRequests.remove(requestId);
  }

  /**
   * Waits until everything logged before this call is acknowledged by the broker (stored), or
   * dropped from a full buffer.
   *
   * @return true if it was, false on timeout, interrupt, or a stopped runner
   */
  public boolean flush(Duration timeout) {
    return link.state().flush(Objects.requireNonNull(timeout, "timeout"));
  }

  /** The most lines and request events this runner holds ({@link Builder#bufferRecords}). */
  public int bufferRecords() {
    return settings.bufferRecords();
  }

  /**
   * Lines and request events held now: not sent yet, or sent and not acknowledged. At
   * {@link Builder#bufferRecords} the oldest unsent line is dropped; a caller that must not
   * lose lines (a spool) holds back before that.
   */
  public int pendingCount() {
    return link.state().held();
  }

  /** Lines and events dropped because the buffer was full, or logged after a stop. */
  public long droppedCount() {
    return link.state().dropped();
  }

  /** The most recent error of the stream (a retried one, or the one that stopped the runner). */
  public Optional<Status> lastError() {
    return Optional.ofNullable(link.state().lastError());
  }

  /** True once the runner is closed or stopped by a non-retryable error. */
  public boolean isStopped() {
    return link.state().isStopped();
  }

  /** The session id sent in every Hello; stable across reconnects of this runner. */
  public String sessionId() {
    return settings.hello().getSessionId();
  }

  /**
   * Flushes (bounded by {@link Builder#closeTimeout}), ends the stream and releases the
   * connection. Lines logged afterwards are dropped and counted.
   */
  @Override
  public void close() {
    link.close();
  }

  @Override
  public String toString() {
    return "SluiceRunner[" + settings + "]";
  }

  @Override
  void log(Level level, String message, Map<String, String> fields) {
    log(level, message, fields, "");
  }

  void log(Level level, String message, Map<String, String> fields, String requestId) {
    log(level, Stream.STRUCTURED, message == null ? "null" : message, fields, requestId, 0,
        "", "");
  }

  /**
   * Logs one line with its stream, time, request, trace and span. A request id that is not a
   * subject token, or a trace or span id the broker would refuse, is kept as a field of that
   * name instead, so a captured line is never refused for what it says.
   */
  public void log(LogEntry entry) {
    LogEntry e = entry.accepted();
    log(e.level(), e.stream(), e.message(), e.fields(), e.requestId(), e.timeUnixNano(),
        e.traceId(), e.spanId());
  }

  private void log(Level level, Stream stream, String text, Map<String, String> fields,
      String requestId, long time, String traceId, String spanId) {
    // DESIGN's scoping rule: one open request takes unscoped lines (see OpenRequests).
    String scope = requestId.isEmpty() ? openRequests.only() : requestId;
    long now = time > 0 ? time : nowNanos();
    // Ids the line brings win; else the OpenTelemetry span current here, if any.
    Frames.Ids ids = traceId.isEmpty() && spanId.isEmpty() ? CurrentSpan.ids()
        : new Frames.Ids(traceId, spanId);
    if (text.length() <= MAX_MESSAGE_CHARS) {
      link.state().line(Frames.line(now, level, stream, text, scope, fields, ids));
      return;
    }
    // Far beyond the broker's line limit, and close to its frame limit: send as pieces (the
    // broker splits each further into marked parts) rather than have the frame refused.
    for (String piece : Frames.pieces(text, MAX_MESSAGE_CHARS)) {
      link.state().line(Frames.line(now, level, stream, piece, scope, fields, ids));
    }
  }

  IngestLink link() {
    return link;
  }

  static long nowNanos() {
    return WallClock.nowNanos();
  }

  /**
   * Builds a {@link SluiceRunner}. Every setter checks its value at once and says what was
   * expected, for example {@code app: 'a b' (expected: [A-Za-z0-9_-]{1,128})}.
   */
  public static final class Builder {
    private static final Set<String> SOURCES = Set.of("run", "gateway", "deploy");

    private String target = DEFAULT_TARGET;
    private final Hello.Builder hello = Hello.newBuilder();
    private String token;
    private int bufferRecords = DEFAULT_BUFFER_RECORDS;
    private int maxBatchRecords = DEFAULT_MAX_BATCH_RECORDS;
    private Duration linger = DEFAULT_LINGER;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private Consumer<Status> errorListener;

    Builder() {}

    /** Broker address, {@code host:port} (default {@value SluiceRunner#DEFAULT_TARGET}). */
    public Builder target(String value) {
      if (value == null || value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("target: " + Subjects.quote(value)
            + " (expected: host:port, for example 127.0.0.1:7400)");
      }
      target = value;
      return this;
    }

    /** App name, the first subject token. Required. */
    public Builder app(String value) {
      hello.setApp(Subjects.requireToken("app", value));
      return this;
    }

    /** Runner id, the second subject token. Required. */
    public Builder runner(String value) {
      hello.setRunner(Subjects.requireToken("runner", value));
      return this;
    }

    /** Job id, copied to every record's labels. */
    public Builder job(String value) {
      hello.setJob(FreeText.check("job", value));
      return this;
    }

    /** Node (machine) id. */
    public Builder node(String value) {
      hello.setNode(FreeText.check("node", value));
      return this;
    }

    /** Worker id inside the node. */
    public Builder worker(String value) {
      hello.setWorker(FreeText.check("worker", value));
      return this;
    }

    /** App version or deployment revision. */
    public Builder version(String value) {
      hello.setVersion(FreeText.check("version", value));
      return this;
    }

    /** Origin of the logs: {@code run} (the broker's default), {@code gateway}, {@code deploy}. */
    public Builder source(String value) {
      if (!SOURCES.contains(value)) {
        throw new IllegalArgumentException("source: " + Subjects.quote(value)
            + " (expected: one of run, gateway, deploy)");
      }
      hello.setSource(value);
      return this;
    }

    /** Origin inside an isolate, for example {@code setup} or {@code user}. */
    public Builder isolateSource(String value) {
      hello.setIsolateSource(FreeText.check("isolateSource", value));
      return this;
    }

    /** The platform's (opaque) app id. */
    public Builder appId(String value) {
      hello.setAppId(FreeText.check("appId", value));
      return this;
    }

    /** Private logs: callers then see request states but no lines. */
    public Builder privateLogs(boolean value) {
      hello.setPrivateLogs(value);
      return this;
    }

    /** Runner token, sent as {@code authorization: Bearer <token>}; never logged. */
    public Builder token(String value) {
      if (value == null || value.isEmpty()
          || value.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
        // The value itself is a secret: do not echo it.
        throw new IllegalArgumentException(
            "token: invalid (expected: non-empty printable ASCII without spaces)");
      }
      token = value;
      return this;
    }

    /** Lines and events held (unsent plus unacknowledged); default 100,000. */
    public Builder bufferRecords(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("bufferRecords: " + value + " (expected: >= 1)");
      }
      bufferRecords = value;
      return this;
    }

    /** Pending lines that trigger a batch, and most lines per batch; default 2,000. */
    public Builder maxBatchRecords(int value) {
      if (value < 1 || value > 100_000) {
        throw new IllegalArgumentException(
            "maxBatchRecords: " + value + " (expected: 1..100000)");
      }
      maxBatchRecords = value;
      return this;
    }

    /**
     * How long a line waits for company, while two earlier frames are unacknowledged, before
     * a partial batch goes; default 5 ms. With fewer in flight a line goes at once.
     */
    public Builder linger(Duration value) {
      if (value == null || value.isNegative() || value.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("linger: " + value + " (expected: 0..10s)");
      }
      linger = value;
      return this;
    }

    /** How long {@link SluiceRunner#close()} waits for acknowledgements; default 5 s. */
    public Builder closeTimeout(Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException("closeTimeout: " + value + " (expected: >= 0)");
      }
      closeTimeout = value;
      return this;
    }

    /**
     * Called once, on the runner's sender thread, with the status that stopped the runner
     * (a non-retryable error). Keep it short.
     */
    public Builder errorListener(Consumer<Status> value) {
      errorListener = Objects.requireNonNull(value, "errorListener");
      return this;
    }

    /** Validates, connects in the background and returns the runner. */
    public SluiceRunner build() {
      if (hello.getApp().isEmpty()) {
        throw new IllegalArgumentException(
            "app: not set (expected: " + Subjects.TOKEN_PATTERN + ")");
      }
      if (hello.getRunner().isEmpty()) {
        throw new IllegalArgumentException(
            "runner: not set (expected: " + Subjects.TOKEN_PATTERN + ")");
      }
      Hello h = hello.clone().setSessionId(UUID.randomUUID().toString()).build();
      return new SluiceRunner(new RunnerSettings(target, h, token, bufferRecords,
          maxBatchRecords, linger, closeTimeout, WELCOME_TIMEOUT, errorListener));
    }
  }
}
