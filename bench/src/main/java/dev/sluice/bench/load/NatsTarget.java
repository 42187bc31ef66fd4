package dev.sluice.bench.load;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.MessageHandler;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * nats-server on 127.0.0.1 (Debian's package), with jnats clients: core pub/sub, or JetStream
 * with a file-stored stream over {@code logs.>} (publishes wait for acks asynchronously;
 * subscribers are ordered push consumers). Subjects are {@code logs.<acct>.<app>.<runner>.<request>}.
 */
final class NatsTarget implements Target {
  static final String ACCOUNT = "acme";
  private static final Pattern LISTENING =
      Pattern.compile("Listening for client connections on [^ ]+:(\\d+)");

  private final boolean jetStream;
  private final ServerProcess server;
  private final Path storeDir;
  private final String url;
  private final List<Connection> connections = new ArrayList<>();

  private NatsTarget(boolean jetStream, ServerProcess server, Path storeDir) {
    this.jetStream = jetStream;
    this.server = server;
    this.storeDir = storeDir;
    this.url = "nats://127.0.0.1:" + server.port();
  }

  static NatsTarget start(boolean jetStream) {
    Path dir;
    try {
      dir = Files.createTempDirectory("nats-load");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>(List.of(natsServer(), "-a", "127.0.0.1", "-p", "-1"));
    if (jetStream) {
      command.addAll(List.of("-js", "-sd", dir.toString()));
    }
    NatsTarget target = new NatsTarget(jetStream,
        ServerProcess.start(jetStream ? "nats-jetstream" : "nats-server", command, LISTENING), dir);
    if (jetStream) {
      target.createStream();
    }
    return target;
  }

  /** nats-server from PATH or Debian's /usr/sbin (not on a normal user's PATH). */
  static String natsServer() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nats-server"))) {
        return Path.of(dir, "nats-server").toString();
      }
    }
    if (Files.isExecutable(Path.of("/usr/sbin/nats-server"))) {
      return "/usr/sbin/nats-server";
    }
    throw new IllegalStateException("nats-server not found on PATH or in /usr/sbin "
        + "(install it: apt-get install nats-server; bench/load does this for you)");
  }

  private void createStream() {
    Connection c = connect();
    try {
      c.jetStreamManagement().addStream(StreamConfiguration.builder().name("LOGS")
          .subjects("logs.>").storageType(StorageType.File).build());
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot create the JetStream stream", e);
    }
  }

  private Connection connect() {
    try {
      Connection c = Nats.connect(new Options.Builder().server(url).noReconnect()
          // jnats logs every JetStream flow-control message at INFO otherwise.
          .errorListener(new ErrorListener() {})
          .connectionTimeout(Duration.ofSeconds(10)).build());
      connections.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String system() {
    return jetStream ? "jetstream" : "nats";
  }

  @Override
  public ServerProcess server() {
    return server;
  }

  @Override
  public boolean jvm() {
    return false;
  }

  static String subject(String sluiceFilter) {
    return "logs." + ACCOUNT + "." + sluiceFilter;
  }

  @Override
  public Publisher publisher(int runner, Workload workload) {
    Connection c = connect();
    String[] subjects = new String[workload.requestsPerRunner()];
    for (int i = 0; i < subjects.length; i++) {
      subjects[i] = subject(workload.app(runner) + "." + workload.runnerName(runner) + "."
          + Workload.request(i));
    }
    JetStream js = jetStream ? jetStream(c) : null;
    AtomicLong failed = new AtomicLong();
    return new Publisher() {
      @Override
      public void send(int request, long stamp) {
        byte[] payload = Workload.payloadBytes(stamp);
        if (js == null) {
          c.publish(subjects[request], payload);
        } else {
          js.publishAsync(subjects[request], payload).whenComplete((ack, error) -> {
            if (error != null) {
              failed.incrementAndGet();
            }
          });
        }
      }

      @Override
      public long failures() {
        return failed.get();
      }

      @Override
      public void close() {
        // connections close with the target
      }
    };
  }

  private static JetStream jetStream(Connection c) {
    try {
      return c.jetStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void subscribe(String filter, Tap tap) {
    Connection c = connect();
    MessageHandler handler = msg -> {
      byte[] data = msg.getData();
      tap.line(data == null ? -1 : Workload.stamp(data, 0, data.length));
    };
    Dispatcher dispatcher = c.createDispatcher();
    try {
      if (jetStream) {
        jetStream(c).subscribe(subject(filter), dispatcher, handler, false,
            PushSubscribeOptions.builder().ordered(true).build());
      } else {
        dispatcher.subscribe(subject(filter), handler);
      }
      // A slow consumer must show as lag, not as messages the client dropped.
      dispatcher.setPendingLimits(-1, -1);
      c.flush(Duration.ofSeconds(10));
    } catch (IOException | JetStreamApiException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot subscribe " + subject(filter), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    server.close();
    Target.deleteDirectory(storeDir);
  }
}
