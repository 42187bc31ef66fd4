package dev.sluice.client.cli;

import com.google.protobuf.ByteString;
import dev.sluice.client.Subjects;
import dev.sluice.client.TimeSpec;
import dev.sluice.client.TokenCredentials;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice logs SUBJECT}: prints stored records from the broker's history
 * ({@code Logs.Query}) and exits. By default the last {@code -n} matching records, oldest
 * first, like {@code tail -n}: it pages through the range keeping only the newest N, so memory
 * stays bounded by N. {@code --head} prints the first N instead and stops reading there.
 */
@Command(name = "logs", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = {"Prints stored records whose subject matches SUBJECT and exits.",
        "Prints the LAST N matching records of the time range (like tail -n), oldest first. "
            + "Without --since or --from the range is the whole stored history, which is "
            + "read through to find its end; narrow it for big histories, or use --head to "
            + "print the FIRST N records of the range and stop reading there."},
    footer = {"", "Times: an ISO-8601 instant (2026-11-21T10:00:00Z, 2026-11-21T11:00:00+01:00, "
        + "2026-11-21) or a duration ago (30s, 10m, 2h, 7d, 1h30m).",
        "", "Exit status: 0 success (also when nothing matched), 1 the broker refused or could "
        + "not be reached, 2 bad options.",
        "", "Examples:", "  sluice logs 'demo-model.>' --since 10m",
        "  sluice logs 'demo-model.>' --from 2026-11-21T10:00Z --to 2026-11-21T11:30Z",
        "  sluice logs '>' --since 2h --level warn --grep timeout -n 20",
        "  sluice logs 'demo-model.*.req-12' --json",
        "  sluice logs 'demo-model.>' --request req-12 --head -n 1000",
        "  sluice logs '>' --trace 4bf92f3577b34da6a3ce929d0e0e4736"})
final class LogsCommand implements Callable<Integer> {
  /** Largest -n: the records kept in memory to print the last N. */
  static final int MAX_LINES = 100_000;
  /** Records asked for per call: the broker's largest page ({@code QueryRequest.limit}). */
  static final int PAGE = 10_000;
  private static final int MAX_INBOUND_BYTES = 16 * 1024 * 1024;
  private static final long CALL_SECONDS = 60;

  @Spec
  CommandSpec spec;

  @Mixin
  ReadOptions.Subject subject;

  @Option(names = "--since", paramLabel = "TIME", converter = TimeArg.class,
      description = "Records at or after TIME, usually a duration ago: --since 10m.")
  TimeSpec since;

  @Option(names = "--from", paramLabel = "TIME", converter = TimeArg.class,
      description = "Records at or after TIME (inclusive); the same as --since.")
  TimeSpec from;

  @Option(names = "--to", paramLabel = "TIME", converter = TimeArg.class,
      description = "Records before TIME (exclusive; default: now).")
  TimeSpec to;

  @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100",
      description = "How many records to print: the last N of the range "
          + "(default: ${DEFAULT-VALUE}, at most " + MAX_LINES + ").")
  int lines;

  @Option(names = "--head",
      description = "Print the first N records of the range instead of the last N.")
  boolean head;

  @Mixin
  ReadOptions.MinLevel minLevel;

  @Option(names = "--grep", paramLabel = "TEXT",
      description = "Only records whose message contains TEXT (case-sensitive).")
  String grep;

  @Option(names = "--request", paramLabel = "ID",
      description = "Only records of the request with this id.")
  String requestId;

  @Option(names = "--trace", paramLabel = "TRACE_ID",
      description = "Only records of this OpenTelemetry trace (32 lower-case hex characters), "
          + "across every runner.")
  String traceId;

  @Mixin
  ReadOptions.Format format;

  @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7400",
      converter = HostPort.Converter.class,
      description = "Broker address (default: ${DEFAULT-VALUE}).")
  HostPort target;

  /** {@code sluice tail}'s name for --target, accepted here too. */
  @Option(names = "--grpc", hidden = true, paramLabel = "HOST:PORT",
      converter = HostPort.Converter.class)
  HostPort grpc;

  @Mixin
  ReadOptions.Token token;

  @Override
  public Integer call() {
    QueryRequest request;
    try {
      request = request(Instant.now());
    } catch (IllegalArgumentException e) {
      return CommandErrors.usage(spec, e.getMessage());
    }
    HostPort broker = grpc != null ? grpc : target;
    PrintWriter out = spec.commandLine().getOut();
    RecordFormat printed = format.format();
    return BrokerCall.run(spec, broker, MAX_INBOUND_BYTES,
        status -> TailCommand.explain(status, broker), channel -> {
          LogsGrpc.LogsBlockingStub stub = stub(channel, token.bearer());
          if (head) {
            printFirst(stub, request, printed, out);
          } else {
            printLast(stub, request, printed, out);
          }
          return 0;
        });
  }

  /** The query the options ask for; IllegalArgumentException naming the option if bad. */
  private QueryRequest request(Instant now) {
    if (lines < 1 || lines > MAX_LINES) {
      throw new IllegalArgumentException("-n/--lines: " + lines + " (expected: 1.."
          + MAX_LINES + ")");
    }
    if (since != null && from != null) {
      throw new IllegalArgumentException("--since and --from: give one of them (both set the "
          + "start of the range)");
    }
    QueryRequest.Builder query = QueryRequest.newBuilder().setFilter(subject.filter);
    String startOption = since != null ? "--since" : "--from";
    TimeSpec start = since != null ? since : from;
    long startNanos = start == null ? 0 : start.unixNanos(now, startOption);
    query.setFromUnixNano(startNanos);
    if (to != null) {
      long endNanos = to.unixNanos(now, "--to");
      if (endNanos <= startNanos) {
        throw new IllegalArgumentException("--to: " + instant(endNanos) + " (expected: later "
            + "than " + (start == null ? "1970-01-01T00:00:00Z" : startOption + " "
            + instant(startNanos)) + ")");
      }
      query.setToUnixNano(endNanos);
    }
    query.setWhere(predicates());
    if (requestId != null) {
      query.setRequestId(Subjects.requireToken("--request", requestId));
    }
    return query.build();
  }

  private Predicates predicates() {
    Predicates.Builder where = Predicates.newBuilder();
    if (minLevel.level != null) {
      where.setMinLevel(minLevel.level);
    }
    if (grep != null) {
      if (grep.isEmpty()) {
        throw new IllegalArgumentException("--grep: empty (expected: the text messages must "
            + "contain)");
      }
      where.setContains(grep);
    }
    if (traceId != null) {
      if (!traceId.matches("[0-9a-f]{32}")) {
        throw new IllegalArgumentException("--trace: '" + traceId + "' (expected: a trace id, "
            + "32 lower-case hex characters)");
      }
      where.setTraceId(traceId);
    }
    return where.build();
  }

  /** Oldest first, page by page, until N are printed or the range ends. */
  private void printFirst(LogsGrpc.LogsBlockingStub stub, QueryRequest request,
      RecordFormat format, PrintWriter out) {
    long printed = 0;
    ByteString cursor = ByteString.EMPTY;
    do {
      int limit = (int) Math.min(PAGE, lines - printed);
      QueryResponse page = query(stub, request.toBuilder().setLimit(limit)
          .setPageCursor(cursor).build());
      printed += print(page.getRecordsList(), page.getNoticesList(), format, out);
      out.flush();
      cursor = page.getNextPageCursor();
    } while (!cursor.isEmpty() && printed < lines);
  }

  /** Reads the whole range keeping the newest N records, then prints them oldest first. */
  private void printLast(LogsGrpc.LogsBlockingStub stub, QueryRequest request,
      RecordFormat format, PrintWriter out) {
    ArrayDeque<Record> newest = new ArrayDeque<>(Math.min(lines, PAGE));
    ArrayDeque<Notice> notices = new ArrayDeque<>();
    ByteString cursor = ByteString.EMPTY;
    do {
      QueryResponse page = query(stub, request.toBuilder().setLimit(PAGE)
          .setPageCursor(cursor).build());
      notices.addAll(page.getNoticesList());
      for (Record record : page.getRecordsList()) {
        if (newest.size() == lines) {
          newest.removeFirst();
        }
        newest.addLast(record);
      }
      // Only gaps after the oldest record kept are printed: bounded by N as the records are.
      while (!notices.isEmpty() && !newest.isEmpty()
          && notices.peekFirst().getFirstSeq() < newest.peekFirst().getSeq()) {
        notices.removeFirst();
      }
      cursor = page.getNextPageCursor();
    } while (!cursor.isEmpty());
    print(List.copyOf(newest), List.copyOf(notices), format, out);
  }

  /**
   * Prints records oldest first with each gap notice where it lies (before the first record
   * after it); returns how many records were printed.
   */
  private static int print(List<Record> records, List<Notice> notices, RecordFormat format,
      PrintWriter out) {
    int next = 0;
    for (Record record : records) {
      for (; next < notices.size() && notices.get(next).getFirstSeq() < record.getSeq(); next++) {
        out.println(format.format(new TailEvent.NoticeEvent(notices.get(next))));
      }
      out.println(format.format(new TailEvent.RecordEvent(record)));
    }
    for (; next < notices.size(); next++) {
      out.println(format.format(new TailEvent.NoticeEvent(notices.get(next))));
    }
    return records.size();
  }

  private static QueryResponse query(LogsGrpc.LogsBlockingStub stub, QueryRequest request) {
    return stub.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS).query(request);
  }

  private static LogsGrpc.LogsBlockingStub stub(ManagedChannel channel, String bearer) {
    return LogsGrpc.newBlockingStub(channel).withCallCredentials(TokenCredentials.of(bearer));
  }

  private static String instant(long unixNanos) {
    return Instant.ofEpochSecond(0, unixNanos).toString();
  }
}
