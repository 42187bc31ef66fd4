package dev.sluice.broker.grpc;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AppPolicies;
import dev.sluice.broker.plugin.Drains;
import dev.sluice.broker.plugin.PluginHost;
import dev.sluice.broker.plugin.RequestLogs;
import dev.sluice.broker.plugin.Tails;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.ingest.IngestSession;
import dev.sluice.broker.ingest.OtlpIngest;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's gRPC face: grpc-java service implementations hosted on Vert.x's HTTP/2 server
 * through the GrpcIo bridge, so calls run on the event loop (no executor hop per message).
 * The same server also answers gRPC-Web. Every service passes the access proxy's interceptor.
 */
public final class GrpcFrontend {
  /**
   * Concurrent calls (tails, ingest streams, queries) one connection may hold: twice its tails,
   * so the tail limit speaks first, with a status that names it, and a client that opens more
   * calls than that finds them refused by HTTP/2 rather than costing the broker.
   */
  static long streamsPerConnection(int tailsPerConnection) {
    return Math.max(100, 2L * tailsPerConnection);
  }

  /**
   * Where and how the server listens.
   *
   * @param host address to bind
   * @param port port; 0 picks a free one
   * @param eventLoops server instances, each on its own event loop
   * @param maxMessageBytes largest message accepted
   * @param connectionIdle a connection with nothing read or written for this long is closed
   * @param tailsPerConnection the tail limit per connection (streams allowed are twice that)
   */
  public record Options(String host, int port, int eventLoops, int maxMessageBytes,
      Duration connectionIdle, int tailsPerConnection) {
    public Options {
      if (host == null || host.isBlank() || port < 0 || port > 65_535 || eventLoops < 1
          || maxMessageBytes < 1024 || connectionIdle == null || connectionIdle.isNegative()
          || connectionIdle.isZero() || tailsPerConnection < 1) {
        throw new IllegalArgumentException("grpc options: " + host + ":" + port + ", "
            + eventLoops + " event loops, " + maxMessageBytes + " message bytes, idle "
            + connectionIdle + ", " + tailsPerConnection + " tails per connection");
      }
    }
  }
  /**
   * What a client may send on one stream before the broker reads it, and on one connection
   * (HTTP/2 flow control). HTTP/2's default, 64 KiB for both, let a runner send 64 KiB and then
   * wait for a window update: about 280 lines, a wake-up on both sides each time; at 1 MiB one
   * runner delivered 25-30 % more lines per second (1r-1full, bench/README.md). It is also
   * what the broker holds per connection while a stream is paused: 2 MiB at most.
   */
  static final int STREAM_WINDOW_BYTES = 1 << 20;
  /**
   * Streams a client may reset within {@value #RESET_WINDOW_SECONDS} s before the connection
   * is closed (HTTP/2 rapid reset, CVE-2023-44487): a reset costs the broker a call it set up
   * for nothing. A client that cancels more tails than this on one connection (a gateway whose
   * pages come and go) spreads them over several.
   */
  static final int MAX_RESETS_PER_WINDOW = 200;
  static final int RESET_WINDOW_SECONDS = 10;
  static final int CONNECTION_WINDOW_BYTES = 2 << 20;

  private final List<HttpServer> servers;
  private final ActiveCalls calls;
  private final AtomicInteger connectionsOpen;

  /** Open ingest calls, so shutdown can drain each one. */
  static final class ActiveCalls {
    private final Set<IngestCall> open = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** Registers a call; a call that arrives while draining is told to shut down at once. */
    void add(IngestCall call) {
      open.add(call);
      if (draining) {
        call.shutdown();
      }
    }

    void remove(IngestCall call) {
      open.remove(call);
    }

    List<IngestCall> snapshot() {
      return new ArrayList<>(open);
    }
  }

  private GrpcFrontend(List<HttpServer> servers, ActiveCalls calls,
      AtomicInteger connectionsOpen) {
    this.servers = List.copyOf(servers);
    this.calls = calls;
    this.connectionsOpen = connectionsOpen;
  }

  /**
   * Binds the gRPC server: {@code eventLoops} server instances share the port, each on its own
   * event loop, and Vert.x spreads connections over them. Completes once all listen.
   */
  public static Future<GrpcFrontend> start(Vertx vertx, Options config, AccessProxy access,
      IngestSession.Deps ingest, PluginHost plugins, AppPolicies policies, Stats stats) {
    ActiveCalls calls = new ActiveCalls();
    AtomicInteger connectionsOpen = new AtomicInteger();
    AtomicInteger framesHeld = new AtomicInteger();
    stats.gauge("grpc.connections", "client connections open now (HTTP/2 and HTTP/1.1)",
        connectionsOpen::get);
    stats.gauge("ingest.streams", "ingest streams open now", () -> calls.open.size());
    stats.gauge("ingest.frames_held", "ingest frame buffers held by calls now",
        framesHeld::get);
    ConnectionCalls connections = new ConnectionCalls();
    ConnectionGuard.Registry guards = new ConnectionGuard.Registry(vertx,
        config.connectionIdle());
    AuthInterceptor auth = new AuthInterceptor(access);
    TailEndpoint tailEndpoint = new TailEndpoint(access, plugins.require(Tails.class),
        connections, guards, config.connectionIdle());
    ServerInterceptor activity = guards.activity();
    List<ServerServiceDefinition> services = List.of(
        ServerInterceptors.intercept(new IngestService(ingest, calls, connections), auth,
            activity),
        ServerInterceptors.intercept(new LogsService(access, plugins.require(RequestLogs.class)).definition(), auth,
            activity),
        ServerInterceptors.intercept(new DrainsService(access, plugins.require(Drains.class)), auth, activity),
        ServerInterceptors.intercept(new AppsService(access, policies), auth, activity),
        ServerInterceptors.intercept(new AccessService(), auth, activity),
        ServerInterceptors.intercept(new OtlpService(new OtlpIngest(ingest)), auth, activity));
    // Port 0 becomes -1: Vert.x then binds one random port and shares it between instances.
    HttpServerOptions options = new HttpServerOptions().setHost(config.host())
        .setPort(config.port() == 0 ? -1 : config.port())
        // Vert.x allows 100 streams per connection; a client (a gateway, a dashboard) that
        // opens more tails on one channel would see the rest wait silently in its transport.
        .setHttp2ConnectionWindowSize(CONNECTION_WINDOW_BYTES)
        .setHttp2RstFloodMaxRstFramePerWindow(MAX_RESETS_PER_WINDOW)
        .setHttp2RstFloodWindowDuration(RESET_WINDOW_SECONDS)
        .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS)
        // A connection with nothing read or written for this long is closed: a handshake never
        // finished, an idle HTTP/1.1 connection. HTTP/2 connections carry the broker's
        // keep-alive pings (ConnectionGuard), gRPC-Web tails over HTTP/1.1 their own.
        .setIdleTimeout((int) config.connectionIdle().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setInitialSettings(new io.vertx.core.http.Http2Settings()
            .setInitialWindowSize(STREAM_WINDOW_BYTES)
            .setMaxConcurrentStreams(streamsPerConnection(config.tailsPerConnection())));
    GrpcServerOptions grpcOptions = new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes());
    List<HttpServer> servers = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        GrpcIoServer grpc = GrpcIoServer.server(vertx, grpcOptions);
        services.forEach(service -> GrpcIoServiceBridge.bridge(service).bind(grpc));
        tailEndpoint.bind(grpc);
        Http2Tail http2Tail = new Http2Tail(tailEndpoint, guards);
        Http2Ingest http2Ingest = new Http2Ingest(ingest, calls, connections, access, guards,
            framesHeld);
        return vertx.createHttpServer(options)
            .requestHandler(request -> {
              guards.of(request.connection()).active();
              if (Http2Ingest.takes(request)) {
                http2Ingest.handle(request);
              } else if (Http2Tail.takes(request)) {
                http2Tail.handle(request);
              } else {
                grpc.handle(request);
              }
            })
            .connectionHandler(connection -> {
              String key = ConnectionCalls.key(connection.remoteAddress().hostAddress(),
                  connection.remoteAddress().port());
              connectionsOpen.incrementAndGet();
              connection.closeHandler(v -> {
                connectionsOpen.decrementAndGet();
                guards.closed(key);
                connections.closed(key);
              });
              guards.opened(connection, key);
            })
            .listen().onSuccess(servers::add);
      }
    }, new DeploymentOptions().setInstances(config.eventLoops()))
        .map(id -> new GrpcFrontend(servers, calls, connectionsOpen));
  }

  public int port() {
    return servers.get(0).actualPort();
  }

  /**
   * Graceful stop of ingest: every open stream stops reading, acks what it stored, and ends
   * with UNAVAILABLE so its runner reconnects. Completes when all have ended.
   */
  public Future<Void> drainIngest() {
    calls.draining = true;
    List<Future<Void>> ended = new ArrayList<>();
    for (IngestCall call : calls.snapshot()) {
      ended.add(call.shutdown());
    }
    return Future.join(ended).mapEmpty();
  }

  /** Stops accepting calls and closes connections after at most {@code grace}. */
  public Future<Void> close(Duration grace) {
    List<Future<Void>> closed = new ArrayList<>();
    for (HttpServer server : servers) {
      closed.add(server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
    return Future.join(closed).mapEmpty();
  }

  private static final class IngestService implements BindableService {
    private final IngestSession.Deps deps;
    private final ActiveCalls calls;
    private final ConnectionCalls connections;

    IngestService(IngestSession.Deps deps, ActiveCalls calls, ConnectionCalls connections) {
      this.deps = deps;
      this.calls = calls;
      this.connections = connections;
    }

    @Override
    public ServerServiceDefinition bindService() {
      // Frames are read by IngestFrames: a batch's lines stay in their bytes.
      MethodDescriptor<Object, IngestReply> method = IngestGrpc.getStreamMethod()
          .toBuilder(new IngestFrames(deps.limits().maxRecordsPerBatch()),
              IngestGrpc.getStreamMethod().getResponseMarshaller())
          .build();
      ServiceDescriptor service = ServiceDescriptor.newBuilder(IngestGrpc.SERVICE_NAME)
          .setSchemaDescriptor(IngestGrpc.getServiceDescriptor().getSchemaDescriptor())
          .addMethod(method)
          .build();
      return ServerServiceDefinition.builder(service)
          .addMethod(method, io.grpc.stub.ServerCalls.asyncBidiStreamingCall(this::stream))
          .build();
    }

    private StreamObserver<Object> stream(StreamObserver<IngestReply> out) {
      IngestCall call = new IngestCall(new IngestSession(deps, AuthInterceptor.principal()),
          IngestCall.Replies.of((ServerCallStreamObserver<IngestReply>) out), calls);
      call.onEnd(connections.register(AuthInterceptor.connection(), call::connectionLost));
      return call;
    }
  }
}
