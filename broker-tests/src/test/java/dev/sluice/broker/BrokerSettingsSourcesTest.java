package dev.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawRunner;
import dev.sluice.common.testing.JavaProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    try (JavaProcess broker = JavaProcess.start(BrokerMain.class.getName(),
        Map.of("SLUICE_BROKER_DATA_DIR", fromEnv.toString()),
        "--config", config.toString(), "--grpc-port", "0")) {
      Matcher m = broker.await(LISTENING, WAIT);
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
  }

  @Test
  void anUnknownKeyInTheFileStopsTheBrokerNamingKeyAndFile() throws Exception {
    Path config = Files.writeString(dir.resolve("sluice.toml"), "[broker]\ngrpc-prot = 0\n");
    try (JavaProcess broker = JavaProcess.start(BrokerMain.class.getName(), Map.of(),
        "--config", config.toString())) {
      assertThat(broker.awaitExit(WAIT)).isEqualTo(2);
      broker.awaitLineStartingWith(
          "sluice broker: " + config + ": unknown key 'grpc-prot' in [broker]", WAIT);
    }
  }

  @Test
  void aBadDurationInTheEnvironmentStopsTheBrokerNamingTheVariable() throws Exception {
    try (JavaProcess broker = JavaProcess.start(BrokerMain.class.getName(),
        Map.of("SLUICE_BROKER_RETENTION_AGE", "30"))) {
      assertThat(broker.awaitExit(WAIT)).isEqualTo(2);
      assertThat(broker.awaitLineStartingWith(
          "sluice broker: --retention-age: '30' (expected: a duration", WAIT))
          .endsWith("(from SLUICE_BROKER_RETENTION_AGE)");
    }
  }
}
