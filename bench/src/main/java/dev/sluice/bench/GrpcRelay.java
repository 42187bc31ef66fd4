package dev.sluice.bench;

import dev.sluice.proto.v1.Ack;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.proto.v1.Welcome;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The in-run baseline for {@link IngestTailBenchmark}: a plain grpc-java server (Netty,
 * handlers on the transport thread) speaking the same Ingest and Tail protocols with the same
 * message shapes, but with no broker behind them. Every batch frame is answered by writing one
 * prebuilt 100-record TailResponse to every open tail and an Ack to the runner. It is the
 * transport's ceiling on this machine: what the broker adds shows as the ratio to it.
 */
final class GrpcRelay implements AutoCloseable {
  private final Server server;
  private final Set<StreamObserver<TailResponse>> tails = ConcurrentHashMap.newKeySet();
  private final TailResponse chunk;

  private GrpcRelay(TailResponse chunk) {
    this.chunk = chunk;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(new Ingest())
        .addService(new Logs())
        .build();
  }

  static GrpcRelay start(TailResponse chunk) {
    GrpcRelay relay = new GrpcRelay(chunk);
    try {
      relay.server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("relay: cannot listen on 127.0.0.1", e);
    }
    return relay;
  }

  int port() {
    return server.getPort();
  }

  int openTails() {
    return tails.size();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Ingest extends IngestGrpc.IngestImplBase {
    @Override
    public StreamObserver<IngestFrame> stream(StreamObserver<IngestReply> out) {
      return new StreamObserver<>() {
        private long seq;

        @Override
        public void onNext(IngestFrame frame) {
          if (frame.hasHello()) {
            out.onNext(IngestReply.newBuilder().setWelcome(Welcome.getDefaultInstance()).build());
            return;
          }
          for (StreamObserver<TailResponse> tail : tails) {
            tail.onNext(chunk);
          }
          seq += frame.getBatch().getLinesCount();
          out.onNext(IngestReply.newBuilder().setAck(Ack.newBuilder().setSeq(seq)).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private final class Logs extends LogsGrpc.LogsImplBase {
    @Override
    public void tail(TailRequest request, StreamObserver<TailResponse> observer) {
      ServerCallStreamObserver<TailResponse> out = (ServerCallStreamObserver<TailResponse>) observer;
      out.setOnCancelHandler(() -> tails.remove(out));
      tails.add(out);
    }
  }
}
