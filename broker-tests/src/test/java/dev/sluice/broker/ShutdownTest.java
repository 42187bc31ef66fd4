package dev.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawRunner;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: the broker stops accepting, acks what it stored, tells clients, and exits. */
class ShutdownTest {
  private static final Pattern LISTENING = Pattern.compile("gRPC listening on 127\\.0\\.0\\.1:(\\d+)");

  @Test
  void sigtermDrainsIngestTellsClientsAndExits(@TempDir Path dataDir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        BrokerMain.class.getName(), "--grpc-port", "0", "--data-dir", dataDir.toString(), "--insecure")
        .redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
        }
      } catch (java.io.IOException ignored) {
        // The process ended.
      }
    });
    reader.start();
    ManagedChannel channel = null;
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> output.stream().anyMatch(l -> LISTENING.matcher(l).find()));
      int port = output.stream().map(LISTENING::matcher).filter(Matcher::find)
          .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();

      TailCollector tail = TailCollector.tail(channel, "app.>");
      RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !tail.isEnded()
          && output.stream().noneMatch(l -> l.contains("ERROR")));
      runner.lines("", "one", "two", "three").awaitAcked();
      tail.awaitRecords(3);

      // SIGTERM. Not Process.destroy(): it also closes our end of the child's output, and we
      // want to read what the broker says while it shuts down.
      assertThat(process.toHandle().destroy()).isTrue();

      Status runnerEnd = runner.awaitEnd();
      Status tailEnd = tail.awaitEnd();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
      assertThat(runnerEnd.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(runnerEnd.getDescription()).contains("shutting down");
      assertThat(tailEnd.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(tailEnd.getDescription()).contains("shutting down");
      assertThat(tail.lines()).containsExactly("one", "two", "three");
      assertThat(output).anyMatch(l -> l.contains("sluice broker: stopped cleanly"));
      // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks and exited on the signal.
      assertThat(process.exitValue()).isEqualTo(143);
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      process.destroyForcibly();
    }
  }
}
