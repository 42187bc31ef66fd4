package dev.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.testing.RawRunner;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BrokerMain} as a process reads its settings from the command line, the environment
 * and a config file, in that order, and refuses a bad file or variable before it starts.
 */
class BrokerSettingsSourcesTest {
  private static final Pattern LISTENING =
      Pattern.compile("gRPC listening on 127\\.0\\.0\\.1:(\\d+), data in (.+)$");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void fileEnvironmentAndCommandLineEachReachTheRunningBroker() throws Exception {
    Path fromFile = dir.resolve("from-file");
    Path fromEnv = dir.resolve("from-env");
    // The file's port is privileged and its data directory is overridden: the broker can only
    // listen, and write where it says, if the command line and the environment win.
    Path config = Files.writeString(dir.resolve("sluice.toml"), """
        [broker]
        grpc-host = "127.0.0.1"
        grpc-port = 1
        data-dir = "%s"
        insecure = true
        """.formatted(fromFile));
    List<String> output = new CopyOnWriteArrayList<>();
    Process broker = start(output, Map.of("SLUICE_BROKER_DATA_DIR", fromEnv.toString()),
        "--config", config.toString(), "--grpc-port", "0");
    Awaitility.await().atMost(WAIT).until(() -> listening(output) != null || !broker.isAlive());
    Matcher m = listening(output);
    assertThat(m).as(String.join("\n", output)).isNotNull();
    assertThat(m.group(2)).isEqualTo(fromEnv.toString());

    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1",
        Integer.parseInt(m.group(1))).usePlaintext().build();
    try {
      // insecure = true from the file: a runner without a token is welcome.
      RawRunner.connect(channel, "app", "runner-1").lines("", "hello").awaitAcked();
    } finally {
      channel.shutdownNow();
    }
    assertThat(fromEnv.resolve("log")).isDirectory();
    assertThat(fromFile).doesNotExist();
  }

  @Test
  void anUnknownKeyInTheFileStopsTheBrokerNamingKeyAndFile() throws Exception {
    Path config = Files.writeString(dir.resolve("sluice.toml"), "[broker]\ngrpc-prot = 0\n");
    List<String> output = new CopyOnWriteArrayList<>();
    Process broker = start(output, Map.of(), "--config", config.toString());
    assertThat(broker.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(broker.exitValue()).isEqualTo(2);
    awaitLine(output, "sluice broker: " + config + ": unknown key 'grpc-prot' in [broker]");
  }

  @Test
  void aBadDurationInTheEnvironmentStopsTheBrokerNamingTheVariable() throws Exception {
    List<String> output = new CopyOnWriteArrayList<>();
    Process broker = start(output, Map.of("SLUICE_BROKER_RETENTION_AGE", "30"));
    assertThat(broker.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(broker.exitValue()).isEqualTo(2);
    awaitLine(output, "sluice broker: --retention-age: '30' (expected: a duration");
    assertThat(output).anyMatch(l -> l.endsWith("(from SLUICE_BROKER_RETENTION_AGE)"));
  }

  private Process start(List<String> output, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), BrokerMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    started.add(process);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
        }
      } catch (IOException e) {
        // The process ended.
      }
    }, "broker-output");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private static Matcher listening(List<String> output) {
    return output.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
        .orElse(null);
  }

  private static void awaitLine(List<String> output, String start) {
    Awaitility.await().atMost(WAIT).untilAsserted(() ->
        assertThat(output).as(String.join("\n", output)).anyMatch(l -> l.startsWith(start)));
  }
}
