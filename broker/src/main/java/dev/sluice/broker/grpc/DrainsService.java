package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.plugin.Drains;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DeleteDrainResponse;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.ListDrainsRequest;
import dev.sluice.proto.v1.ListDrainsResponse;
import dev.sluice.proto.v1.TestDrainResponse;
import dev.sluice.proto.v1.UpdateDrainRequest;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import java.util.function.Function;

/**
 * The Drains service: admins of an account manage its drains; everyone else is refused with
 * PERMISSION_DENIED. Secrets go in, never out.
 */
final class DrainsService extends DrainsGrpc.DrainsImplBase {
  private final AccessProxy access;
  private final Drains drains;

  DrainsService(AccessProxy access, Drains drains) {
    this.access = access;
    this.drains = drains;
  }

  private <T> void admin(StreamObserver<T> out, Function<String, Future<T>> action) {
    Statuses.answer(out, () -> {
      Principal principal = AuthInterceptor.principal();
      access.requireAdmin(principal, "managing drains");
      return action.apply(principal.account());
    });
  }

  @Override
  public void createDrain(CreateDrainRequest request, StreamObserver<Drain> out) {
    admin(out, account -> drains.create(account, request.getSpec()));
  }

  @Override
  public void getDrain(DrainRef request, StreamObserver<Drain> out) {
    admin(out, account -> Future.succeededFuture(drains.get(account, request.getName())));
  }

  @Override
  public void listDrains(ListDrainsRequest request, StreamObserver<ListDrainsResponse> out) {
    admin(out, account -> Future.succeededFuture(
        ListDrainsResponse.newBuilder().addAllDrains(drains.list(account)).build()));
  }

  @Override
  public void updateDrain(UpdateDrainRequest request, StreamObserver<Drain> out) {
    admin(out, account -> drains.update(account, request.getSpec(),
        request.getUpdateMaskList()));
  }

  @Override
  public void enableDrain(DrainRef request, StreamObserver<Drain> out) {
    admin(out, account -> drains.enable(account, request.getName(), true));
  }

  @Override
  public void disableDrain(DrainRef request, StreamObserver<Drain> out) {
    admin(out, account -> drains.enable(account, request.getName(), false));
  }

  @Override
  public void deleteDrain(DrainRef request, StreamObserver<DeleteDrainResponse> out) {
    admin(out, account -> drains.delete(account, request.getName())
        .map(v -> DeleteDrainResponse.getDefaultInstance()));
  }

  @Override
  public void testDrain(DrainRef request, StreamObserver<TestDrainResponse> out) {
    admin(out, account -> drains.test(account, request.getName()));
  }
}
