package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.broker.testing.BrokerExtension;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.DrainsGrpc.DrainsBlockingStub;
import dev.sluice.proto.v1.ListDrainsRequest;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.LogsGrpc.LogsBlockingStub;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.UpdateDrainRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RPCs that are not built yet are bound and answer UNIMPLEMENTED over real gRPC, not
 * "unknown service" and not a hang; the connection stays usable after each one.
 */
class UnimplementedRpcTest {
  private static final long DEADLINE_SECONDS = 10;

  @RegisterExtension
  final BrokerExtension sluice = new BrokerExtension();

  private LogsBlockingStub logs;
  private DrainsBlockingStub drains;

  @BeforeEach
  void stubs() {
    var channel = sluice.channel();
    logs = LogsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    drains = DrainsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void drainsCreateDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.createDrain(CreateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("d").setUrl("https://127.0.0.1/intake")).build()));
  }

  @Test
  void drainsGetDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.getDrain(ref()));
  }

  @Test
  void drainsListDrainsIsUnimplemented() {
    assertUnimplemented(() -> drains.listDrains(ListDrainsRequest.getDefaultInstance()));
  }

  @Test
  void drainsUpdateDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.updateDrain(UpdateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("d")).addUpdateMask("filter").build()));
  }

  @Test
  void drainsEnableDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.enableDrain(ref()));
  }

  @Test
  void drainsDisableDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.disableDrain(ref()));
  }

  @Test
  void drainsDeleteDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.deleteDrain(ref()));
  }

  @Test
  void drainsTestDrainIsUnimplemented() {
    assertUnimplemented(() -> drains.testDrain(ref()));
  }

  @Test
  void everyDrainsMethodIsCoveredHere() {
    // If the service grows a method, this test fails until the method is added above.
    assertThat(DrainsGrpc.getServiceDescriptor().getMethods()).hasSize(8);
    assertThat(LogsGrpc.getServiceDescriptor().getMethods()).hasSize(3);
  }

  @Test
  void connectionStaysUsableAfterUnimplementedCalls() {
    assertUnimplemented(() -> drains.listDrains(ListDrainsRequest.getDefaultInstance()));
    assertThat(logs.query(QueryRequest.newBuilder().setFilter("app.>").build()).getRecordsList())
        .isEmpty();
    assertUnimplemented(() -> drains.listDrains(ListDrainsRequest.getDefaultInstance()));
  }

  private static DrainRef ref() {
    return DrainRef.newBuilder().setName("d").build();
  }

  private static void assertUnimplemented(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("expected the call to fail with a status").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
  }
}
