package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AppPolicies;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.AppPolicy;
import dev.sluice.proto.v1.AppRef;
import dev.sluice.proto.v1.AppsGrpc;
import io.grpc.stub.StreamObserver;

/** App policy: admins set it, members and admins read it, always within their own account. */
final class AppsService extends AppsGrpc.AppsImplBase {
  private final AccessProxy access;
  private final AppPolicies policies;

  AppsService(AccessProxy access, AppPolicies policies) {
    this.access = access;
    this.policies = policies;
  }

  @Override
  public void setAppPolicy(AppPolicy request, StreamObserver<AppPolicy> out) {
    try {
      Principal principal = AuthInterceptor.principal();
      access.requireAdmin(principal, "setting app policy");
      String app = Subjects.token("app", request.getApp());
      String account = principal.account();
      Context context = Vertx.currentContext();
      policies.set(account, app, request.getPrivateLogs()).whenComplete((ok, failure) -> {
        Runnable answer = () -> {
          if (failure == null) {
            out.onNext(policy(account, app));
            out.onCompleted();
          } else {
            out.onError(Statuses.toStatus(new SluiceException(Failure.UNAVAILABLE,
                "app policy could not be stored; try again")));
          }
        };
        if (context != null) {
          context.runOnContext(v -> answer.run());
        } else {
          answer.run();
        }
      });
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }

  @Override
  public void getAppPolicy(AppRef request, StreamObserver<AppPolicy> out) {
    try {
      Principal principal = AuthInterceptor.principal();
      String app = Subjects.token("app", request.getApp());
      // Reading the policy is a read of the app: the same rule as reading its logs.
      access.authorizeRead(principal, Subjects.filter(app + ".>"));
      out.onNext(policy(principal.account(), app));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Statuses.toStatus(e));
    }
  }

  private AppPolicy policy(String account, String app) {
    return AppPolicy.newBuilder().setApp(app)
        .setPrivateLogs(policies.isPrivate(account, app)).build();
  }
}
