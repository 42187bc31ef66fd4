package dev.sluice.broker.grpc;

import dev.sluice.broker.access.Principal;
import dev.sluice.proto.v1.AccessGrpc;
import dev.sluice.proto.v1.Identity;
import dev.sluice.proto.v1.WhoAmIRequest;
import io.grpc.stub.StreamObserver;

/** Tells a caller who its token says it is; the interceptor already verified the token. */
final class AccessService extends AccessGrpc.AccessImplBase {
  @Override
  public void whoAmI(WhoAmIRequest request, StreamObserver<Identity> out) {
    Principal p = AuthInterceptor.principal();
    out.onNext(Identity.newBuilder().setSubject(p.id()).setAccount(p.account())
        .setRole(p.role().wireName()).setApp(p.app())
        .setExpiresUnixSeconds(p.expires() == null ? 0 : p.expires().getEpochSecond()).build());
    out.onCompleted();
  }
}
