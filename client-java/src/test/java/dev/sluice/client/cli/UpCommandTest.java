package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.tail.SluiceSubscriber;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.client.tail.TailSubscription;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.common.testing.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice up}: a child broker, the demo app, and a clean stop on SIGTERM. */
class UpCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @Test
  void startsBrokerAndDemoThenStopsThemOnSigterm(@TempDir Path dataDir) throws Exception {
    broker.stop(); // this test runs its own broker, through `up`
    int port = SluiceBroker.freePort();
    try (JavaProcess up = JavaProcess.start(SluiceCli.class.getName(), Map.of(), "up",
        "--grpc", "127.0.0.1:" + port, "--data-dir", dataDir.toString(), "--demo")) {
      up.awaitLineStartingWith("Stop with Ctrl-C.", WAIT);
      assertThat(up.output()).contains(
          "Sluice is up: broker gRPC on 127.0.0.1:" + port + ", data in " + dataDir,
          "Tail everything:  sluice tail '>' --grpc 127.0.0.1:" + port);
      List<ProcessHandle> children = up.descendants();
      assertThat(children).isNotEmpty();

      // `up` wrote an admin token for the newcomer; it must open a tail.
      String adminToken = Files.readString(dataDir.resolve("admin.token")).trim();
      assertThat(up.output()).anyMatch(l -> l.contains(adminToken));
      assertThat(Files.getPosixFilePermissions(dataDir.resolve("issuer.key")))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE);
      try (SluiceSubscriber subscriber = SluiceSubscriber.connect("127.0.0.1:" + port, adminToken);
          TailSubscription tail = subscriber.tail("demo-model.>")) {
        TailEvent event = tail.poll(WAIT);
        assertThat(event).isInstanceOfSatisfying(TailEvent.RecordEvent.class,
            r -> assertThat(r.record().getLabels().getAppName()).isEqualTo("demo-model"));
      }

      // SIGTERM to `up`: its shutdown hook stops the demo and sends SIGTERM to the broker.
      up.sigterm();
      assertThat(up.awaitExit(WAIT)).isEqualTo(143);
      Awaitility.await().atMost(WAIT)
          .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
      up.awaitLineStartingWith("sluice broker: stopped cleanly", WAIT);
    }
  }

  @Test
  void refusesAnAddressThatIsAlreadyInUse(@TempDir Path dataDir) throws Exception {
    CliRun run = CliRun.start("up", "--grpc", broker.target(), "--data-dir", dataDir.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith(
        "sluice up: " + broker.target() + " already accepts connections");
  }

  @Test
  void reportsABrokerThatExitsBeforeListening(@TempDir Path tmp) throws Exception {
    Path notADirectory = Files.writeString(tmp.resolve("file"), "x");
    CliRun run = CliRun.start("up", "--grpc", "127.0.0.1:" + SluiceBroker.freePort(),
        "--data-dir", notADirectory.toString(), "--insecure");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("sluice up: the broker exited with code 1");
    assertThat(run.out()).doesNotContain("Sluice is up");
  }
}
