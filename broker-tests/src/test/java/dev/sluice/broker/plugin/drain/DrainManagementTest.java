package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.testing.SluiceBroker;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.DrainsGrpc.DrainsBlockingStub;
import dev.sluice.proto.v1.ListDrainsRequest;
import dev.sluice.proto.v1.TestDrainResponse;
import dev.sluice.proto.v1.UpdateDrainRequest;
import dev.sluice.token.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Managing drains over real gRPC on a secured broker: who may, and what is refused. */
class DrainManagementTest {
  private static final String SECRET = DrainDeliveryTest.SECRET;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withDrains(Receiver.settings()));
  private Receiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = Receiver.start();
  }

  @AfterEach
  void stop() throws Exception {
    receiver.close();
  }

  private DrainsBlockingStub as(Role role) {
    return DrainsGrpc.newBlockingStub(sluice.channel(sluice.token("someone", "acme", role,
        role == Role.RUNNER ? "app" : "")));
  }

  private DrainSpec.Builder spec(String name) {
    return DrainSpec.newBuilder().setName(name).setUrl(receiver.url()).setSecret(SECRET);
  }

  private static CreateDrainRequest create(DrainSpec.Builder spec) {
    return CreateDrainRequest.newBuilder().setSpec(spec).build();
  }

  private static Status fails(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("expected the call to fail").isNotNull();
    return e.getStatus();
  }

  @Test
  void onlyAdminsManageDrains() {
    for (Role role : List.of(Role.MEMBER, Role.RUNNER, Role.CALLER)) {
      assertThat(fails(() -> as(role).createDrain(create(spec("d")))).getCode())
          .as(role.name()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(fails(() -> as(role).listDrains(ListDrainsRequest.getDefaultInstance()))
          .getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    Drain created = as(Role.ADMIN).createDrain(create(spec("d")));
    assertThat(created.getSpec().getFilter()).isEqualTo(">");
    assertThat(created.getSpec().getMaxBatchLines()).isEqualTo(1000);
    assertThat(created.getSpec().getFlushIntervalMs()).isEqualTo(1000);
    assertThat(created.getSpec().getSecret()).isEmpty();
    assertThat(created.getStatus().getEnabled()).isTrue();
  }

  @Test
  void badSettingsAreRefusedNamingTheFieldWithoutEchoingTheSecret() {
    DrainsBlockingStub admin = as(Role.ADMIN);
    String shortSecret = "x".repeat(63);
    Status status = fails(() -> admin.createDrain(create(spec("d").setSecret(shortSecret))));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("secret: 63 characters").doesNotContain("xxx");
    assertThat(fails(() -> admin.createDrain(create(spec("d").setMaxBatchLines(5001))))
        .getDescription()).startsWith("max_batch_lines");
    assertThat(fails(() -> admin.createDrain(create(spec("bad name")))).getDescription())
        .startsWith("name");
    assertThat(fails(() -> admin.createDrain(create(spec("d").setUrl("ftp://x.example"))))
        .getDescription()).startsWith("url");
    // Plain HTTP only with the broker's development flag, which this broker does not have.
    assertThat(fails(() -> admin.createDrain(create(spec("d")
        .setUrl("http://127.0.0.1:9/intake")))).getDescription()).contains("--drain-allow-http");
    assertThat(fails(() -> admin.createDrain(create(spec("d").setFilter("a..b"))))
        .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // Loopback is allowed only because the test's allow-list names 127.0.0.1; ::1 is not.
    Status loopback = fails(() -> admin.createDrain(create(spec("d")
        .setUrl("https://[::1]:9/intake"))));
    assertThat(loopback.getDescription()).contains("loopback").contains("--drain-allow-address");
    Status privateAddress = fails(() -> admin.createDrain(create(spec("d")
        .setUrl("https://10.1.2.3/intake"))));
    assertThat(privateAddress.getDescription()).contains("private");
    Status metadata = fails(() -> admin.createDrain(create(spec("d")
        .setUrl("https://169.254.169.254/latest"))));
    assertThat(metadata.getDescription()).contains("link-local");

    admin.createDrain(create(spec("d")));
    assertThat(fails(() -> admin.createDrain(create(spec("d")))).getCode())
        .isEqualTo(Status.Code.ALREADY_EXISTS);
  }

  @Test
  void updateEnableDisableDeleteAndTheSecretStaysInTheBroker() throws Exception {
    DrainsBlockingStub admin = as(Role.ADMIN);
    admin.createDrain(create(spec("b")));
    admin.createDrain(create(spec("a")));
    assertThat(admin.listDrains(ListDrainsRequest.getDefaultInstance()).getDrainsList())
        .extracting(d -> d.getSpec().getName()).containsExactly("a", "b");

    Drain updated = admin.updateDrain(UpdateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("a").setFilter("web.>").setMaxBatchLines(10))
        .addUpdateMask("filter").addUpdateMask("max_batch_lines").build());
    assertThat(updated.getSpec().getFilter()).isEqualTo("web.>");
    assertThat(updated.getSpec().getMaxBatchLines()).isEqualTo(10);
    assertThat(updated.getSpec().getUrl()).isEqualTo(receiver.url());
    assertThat(fails(() -> admin.updateDrain(UpdateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("a")).addUpdateMask("colour").build()))
        .getDescription()).contains("colour");

    assertThat(admin.disableDrain(ref("a")).getStatus().getEnabled()).isFalse();
    assertThat(admin.enableDrain(ref("a")).getStatus().getEnabled()).isTrue();
    admin.deleteDrain(ref("b"));
    assertThat(fails(() -> admin.getDrain(ref("b"))).getCode()).isEqualTo(Status.Code.NOT_FOUND);

    // The secret is kept by the broker alone: in its drains file, readable by it only.
    var file = sluice.dataDir().resolve("drains.json");
    assertThat(Files.readString(file)).contains(SECRET);
    assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    assertThat(admin.getDrain(ref("a")).toString()).doesNotContain(SECRET);
  }

  @Test
  void testSendsOneSignedProbeAndReportsTheAnswer() {
    DrainsBlockingStub admin = as(Role.ADMIN);
    admin.createDrain(create(spec("d").setFilter("nothing.>")));
    receiver.script(418);
    TestDrainResponse answer = admin.testDrain(ref("d"));
    assertThat(answer.getHttpStatus()).isEqualTo(418);
    assertThat(answer.getDetail()).startsWith("HTTP 418");
    Receiver.Request probe = receiver.requests().get(receiver.requests().size() - 1);
    assertThat(probe.header("X-Sluice-Batch-Id")).startsWith("test-");
    assertThat(probe.header("X-Sluice-Signature")).matches("v1=[0-9a-f]{64}");
    // A probe is not a delivery: the drain's counters are untouched.
    assertThat(admin.getDrain(ref("d")).getStatus().getTotalFailures()).isZero();
  }

  private static DrainRef ref(String name) {
    return DrainRef.newBuilder().setName(name).build();
  }
}
