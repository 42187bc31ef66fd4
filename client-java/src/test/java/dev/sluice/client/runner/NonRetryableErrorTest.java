package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A broker that refuses the runner: a stand-in Ingest server (plain grpc-java) answers every
 * stream with PERMISSION_DENIED, as the access proxy will for a token reaching past its app.
 */
class NonRetryableErrorTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AtomicInteger streams = new AtomicInteger();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private Server server;

  @BeforeEach
  void startRefusingServer() throws Exception {
    IngestGrpc.IngestImplBase refusing = new IngestGrpc.IngestImplBase() {
      @Override
      public StreamObserver<IngestFrame> stream(StreamObserver<IngestReply> out) {
        streams.incrementAndGet();
        return new StreamObserver<>() {
          @Override
          public void onNext(IngestFrame frame) {
            out.onError(Status.PERMISSION_DENIED
                .withDescription("app 'app' is not yours").asRuntimeException());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    };
    ServerInterceptor recordAuth = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
        return next.startCall(call, headers);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(refusing, recordAuth)).build().start();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void permissionDeniedStopsTheRunnerWithoutReconnecting() throws Exception {
    CompletableFuture<Status> listened = new CompletableFuture<>();
    AtomicInteger listenerCalls = new AtomicInteger();
    try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + server.getPort())
        .app("app").runner("runner-1").token("t0ken").errorListener(status -> {
          listenerCalls.incrementAndGet();
          listened.complete(status);
        }).build()) {
      runner.info("hello?");

      Status status = listened.get(20, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription()).isEqualTo("app 'app' is not yours");
      assertThat(runner.lastError()).hasValueSatisfying(
          s -> assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(runner.isStopped()).isTrue();
      assertThat(runner.flush(Duration.ofSeconds(1))).isFalse();
      runner.info("after the stop");
      assertThat(runner.droppedCount()).isEqualTo(1);
    }
    // Closed, and still exactly one stream: a retry could not have fixed this.
    Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
        .until(() -> streams.get() == 1);
    assertThat(listenerCalls).hasValue(1);
    assertThat(authorizations).containsExactly("Bearer t0ken");
  }
}
