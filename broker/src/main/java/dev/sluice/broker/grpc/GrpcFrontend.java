package dev.sluice.broker.grpc;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.ingest.IngestSession;
import dev.sluice.broker.plugin.tail.TailPlugin;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import io.vertx.grpcio.server.GrpcIoServiceBridge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The broker's gRPC face: grpc-java service implementations hosted on Vert.x's HTTP/2 server
 * through the GrpcIo bridge, so calls run on the event loop (no executor hop per message).
 * The same server also answers gRPC-Web. Every service passes the access proxy's interceptor.
 */
public final class GrpcFrontend {
  private final HttpServer http;
  private final ActiveCalls calls;

  /** Open ingest calls, so shutdown can drain each one. */
  static final class ActiveCalls {
    private final Set<IngestCall> open = ConcurrentHashMap.newKeySet();

    void add(IngestCall call) {
      open.add(call);
    }

    void remove(IngestCall call) {
      open.remove(call);
    }

    List<IngestCall> snapshot() {
      return new ArrayList<>(open);
    }
  }

  private GrpcFrontend(HttpServer http, ActiveCalls calls) {
    this.http = http;
    this.calls = calls;
  }

  /** Binds the gRPC server; completes once it listens. */
  public static Future<GrpcFrontend> start(Vertx vertx, BrokerConfig config, AccessProxy access,
      IngestSession.Deps ingest, TailPlugin tail) {
    ActiveCalls calls = new ActiveCalls();
    GrpcIoServer grpc = GrpcIoServer.server(vertx,
        new GrpcServerOptions().setMaxMessageSize(config.maxFrameBytes()));
    AuthInterceptor auth = new AuthInterceptor(access);
    bind(grpc, ServerInterceptors.intercept(new IngestService(ingest, calls), auth));
    bind(grpc, ServerInterceptors.intercept(new LogsService(access, tail).definition(), auth));
    bind(grpc, ServerInterceptors.intercept(new DrainsService(), auth));
    HttpServer http = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.grpcHost()).setPort(config.grpcPort()));
    return http.requestHandler(grpc).listen().map(server -> new GrpcFrontend(server, calls));
  }

  private static void bind(GrpcIoServer grpc, ServerServiceDefinition definition) {
    GrpcIoServiceBridge.bridge(definition).bind(grpc);
  }

  public int port() {
    return http.actualPort();
  }

  /**
   * Graceful stop of ingest: every open stream stops reading, acks what it stored, and ends
   * with UNAVAILABLE so its runner reconnects. Completes when all have ended.
   */
  public Future<Void> drainIngest() {
    List<Future<Void>> ended = new ArrayList<>();
    for (IngestCall call : calls.snapshot()) {
      ended.add(call.shutdown());
    }
    return Future.join(ended).mapEmpty();
  }

  /** Stops accepting calls and closes connections after at most {@code grace}. */
  public Future<Void> close(Duration grace) {
    return http.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static final class IngestService implements BindableService {
    private final IngestSession.Deps deps;
    private final ActiveCalls calls;

    IngestService(IngestSession.Deps deps, ActiveCalls calls) {
      this.deps = deps;
      this.calls = calls;
    }

    @Override
    public ServerServiceDefinition bindService() {
      return ServerServiceDefinition.builder(IngestGrpc.getServiceDescriptor())
          .addMethod(IngestGrpc.getStreamMethod(),
              io.grpc.stub.ServerCalls.asyncBidiStreamingCall(this::stream))
          .build();
    }

    private StreamObserver<IngestFrame> stream(StreamObserver<IngestReply> out) {
      return new IngestCall(new IngestSession(deps, AuthInterceptor.principal()),
          (ServerCallStreamObserver<IngestReply>) out, calls);
    }
  }
}
