package dev.sluice.client.cli;

import dev.sluice.client.TokenCredentials;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.ListDrainsRequest;
import dev.sluice.proto.v1.TestDrainResponse;
import dev.sluice.proto.v1.UpdateDrainRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice drains}: manages the account's drains through the broker's {@code Drains}
 * service (admin tokens only). Each subcommand makes one call and exits: 0 on success, 1 when
 * the broker refused or could not be reached (or {@code test} got no 2xx), 2 on bad options.
 * Secrets go in from a file, an environment variable or stdin, never from an argument, and
 * never come out.
 */
@Command(name = "drains", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = {"Manages drains: pushes of the account's logs to an HTTPS intake.",
        "A drain POSTs signed NDJSON batches to Datadog, Splunk HEC, Elasticsearch or a "
            + "webhook. Managing drains needs an admin token."},
    subcommands = {DrainsCommand.Create.class, DrainsCommand.ListDrains.class,
        DrainsCommand.Get.class, DrainsCommand.Update.class, DrainsCommand.Enable.class,
        DrainsCommand.Disable.class, DrainsCommand.Delete.class, DrainsCommand.Probe.class},
    footer = {"", "Exit status: 0 success, 1 the broker refused or could not be reached (test: "
        + "the endpoint did not answer 2xx), 2 bad options.",
        "", "Examples:",
        "  openssl rand -hex 32 > s.txt",
        "  sluice drains create audit --url https://logs.example.com --secret-file s.txt",
        "  sluice drains create errs --url https://logs.example.com --level error < s.txt",
        "  sluice drains list",
        "  sluice drains test audit",
        "  sluice drains update audit --filter 'demo-model.>' --flush-interval 500ms"})
final class DrainsCommand {
  /** Longest wait for one call; a test delivery alone may take the broker's 10 s timeout. */
  static final long CALL_SECONDS = 30;

  /** {@code --target} and {@code --token}, as {@code sluice logs} has them. */
  static final class Connection {
    @Option(names = "--target", order = 90, paramLabel = "HOST:PORT",
        defaultValue = "127.0.0.1:7400", converter = HostPort.Converter.class,
        description = "Broker address (default: ${DEFAULT-VALUE}).")
    HostPort target;

    @Option(names = "--token", order = 91, paramLabel = "TOKEN",
        description = "Admin token (default: the " + TailCommand.TOKEN_ENV + " environment "
            + "variable, else the admin token `sluice up` wrote to "
            + TailCommand.DEFAULT_TOKEN_FILE + ").")
    String token;
  }

  /** One subcommand: check the options, make the call, explain a refusal. */
  abstract static class Action implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Connection connection;

    /** Checks what the options cannot check alone; IllegalArgumentException naming it. */
    void check() {}

    /** Makes the call and prints its result; the exit code. */
    abstract int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err);

    @Override
    public final Integer call() {
      try {
        check();
      } catch (IllegalArgumentException e) {
        return CommandErrors.usage(spec, e.getMessage());
      }
      return BrokerCall.run(spec, connection.target, BrokerCall.DEFAULT_MAX_INBOUND_BYTES,
          status -> explain(status, connection.target),
          channel -> run(stub(channel, BearerToken.resolve(connection.token)),
              spec.commandLine().getOut(), spec.commandLine().getErr()));
    }
  }

  /** {@code NAME}, for the subcommands that name one drain. */
  abstract static class Named extends Action {
    @Parameters(index = "0", paramLabel = "NAME", converter = DrainSpecOptions.NameConverter.class,
        description = "Drain name: 1 to 64 of A-Z a-z 0-9 _ -.")
    String name;

    DrainRef ref() {
      return DrainRef.newBuilder().setName(name).build();
    }
  }

  /** A subcommand that makes one call about one drain and says what it did. */
  abstract static class OneCall extends Named {
    private final String done;
    private final BiConsumer<DrainsGrpc.DrainsBlockingStub, DrainRef> call;

    OneCall(String done, BiConsumer<DrainsGrpc.DrainsBlockingStub, DrainRef> call) {
      this.done = done;
      this.call = call;
    }

    @Override
    final int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      call.accept(drains, ref());
      out.println(done + " drain " + name);
      return 0;
    }
  }

  @Command(name = "create", sortOptions = false, mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = {"Creates a drain; it starts with the last 30 s of logs.",
          "The signing secret (at least 64 characters) comes from --secret-file, --secret-env, "
              + "or stdin (sluice drains create NAME --url URL < drain.secret); never from an "
              + "argument, which would show in the shell history and in ps."})
  static final class Create extends Named {
    @Option(names = "--url", order = 10, required = true, paramLabel = "URL",
        converter = DrainSpecOptions.UrlConverter.class, description = DrainSpecOptions.URL_HELP)
    String url;

    @Mixin
    DrainSpecOptions options;

    private DrainSpec drain;

    @Override
    void check() {
      drain = options.spec(name, url, options.secret(true));
    }

    @Override
    int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      Drain created = drains.createDrain(CreateDrainRequest.newBuilder().setSpec(drain).build());
      out.println("created drain " + name);
      DrainFormat.block(out, created);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = {"Lists the account's drains.", "Columns: name, enabled, URL, filter, "
          + "lines delivered, failed deliveries, lag (lines, and seconds of the oldest "
          + "undelivered line)."})
  static final class ListDrains extends Action {
    @Option(names = "--json", description = "Print one JSON object per drain.")
    boolean json;

    @Override
    int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      List<Drain> all = drains.listDrains(ListDrainsRequest.getDefaultInstance()).getDrainsList();
      if (json) {
        all.forEach(d -> out.println(DrainFormat.json(d)));
      } else if (all.isEmpty()) {
        err.println(spec.qualifiedName() + ": no drains");
      } else {
        DrainFormat.table(out, all);
      }
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = "Shows a drain's settings (never its secret) and delivery status.")
  static final class Get extends Named {
    @Option(names = "--json", description = "Print the drain as one JSON object.")
    boolean json;

    @Override
    int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      Drain drain = drains.getDrain(ref());
      if (json) {
        out.println(DrainFormat.json(drain));
      } else {
        DrainFormat.block(out, drain);
      }
      return 0;
    }
  }

  @Command(name = "update", sortOptions = false, mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = {"Changes the settings given; the others stay as they are.",
          "A new secret (--secret-file, --secret-env) signs next to the old one for 24 hours, "
              + "so receivers can switch without losing a batch."})
  static final class Update extends Named {
    @Option(names = "--url", order = 10, paramLabel = "URL",
        converter = DrainSpecOptions.UrlConverter.class, description = DrainSpecOptions.URL_HELP)
    String url;

    @Mixin
    DrainSpecOptions options;

    private UpdateDrainRequest request;

    @Override
    void check() {
      String secret = options.secret(false);
      List<String> mask = options.mask(url, secret);
      if (mask.isEmpty()) {
        throw new IllegalArgumentException("nothing to update (expected: at least one of --url, "
            + "--secret-file, --secret-env, --filter, --level, --batch-lines, --flush-interval)");
      }
      request = UpdateDrainRequest.newBuilder().setSpec(options.spec(name, url, secret))
          .addAllUpdateMask(mask).build();
    }

    @Override
    int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      Drain updated = drains.updateDrain(request);
      out.println("updated drain " + name + " (" + String.join(", ", request.getUpdateMaskList())
          + ")");
      DrainFormat.block(out, updated);
      return 0;
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = "Turns delivery on again; it resumes after the last batch delivered.")
  static final class Enable extends OneCall {
    Enable() {
      super("enabled", DrainsGrpc.DrainsBlockingStub::enableDrain);
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = "Stops delivery; the drain keeps its place and loses nothing (within "
          + "retention).")
  static final class Disable extends OneCall {
    Disable() {
      super("disabled", DrainsGrpc.DrainsBlockingStub::disableDrain);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = "Deletes a drain and its place in the logs.")
  static final class Delete extends OneCall {
    Delete() {
      super("deleted", DrainsGrpc.DrainsBlockingStub::deleteDrain);
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      versionProvider = SluiceCli.Version.class,
      description = {"Sends a signed probe line to the endpoint and shows its answer.",
          "Prints the HTTP status, the detail and the latency. Exits with 1 if the endpoint did not answer 2xx."})
  static final class Probe extends Named {
    @Override
    int run(DrainsGrpc.DrainsBlockingStub drains, PrintWriter out, PrintWriter err) {
      TestDrainResponse answer = drains.testDrain(ref());
      int status = answer.getHttpStatus();
      out.println("http status:  " + (status == 0 ? "none (no answer)" : status));
      out.println("detail:       " + answer.getDetail());
      out.println("latency:      " + Integer.toUnsignedString(answer.getLatencyMs()) + " ms");
      if (status >= 200 && status < 300) {
        return 0;
      }
      return CommandErrors.failed(spec, "the endpoint of drain " + name + " did not accept "
          + "the probe" + (status == 0 ? " (no answer)" : " (HTTP " + status + ")"));
    }
  }

  /** A refusal as one sentence a person can act on. */
  static String explain(Status status, HostPort target) {
    String detail = status.getDescription() == null ? "" : status.getDescription();
    return switch (status.getCode()) {
      case NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED, FAILED_PRECONDITION -> detail;
      case UNIMPLEMENTED -> "the broker at " + target + " does not serve drains (" + detail
          + "); upgrade it";
      default -> TailCommand.explain(status, target);
    };
  }

  private static DrainsGrpc.DrainsBlockingStub stub(ManagedChannel channel, String bearer) {
    return DrainsGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
        .withCallCredentials(TokenCredentials.of(bearer));
  }
}
