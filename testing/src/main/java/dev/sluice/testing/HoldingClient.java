package dev.sluice.testing;

import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;

/**
 * A client for a child JVM: opens a tail and an ingest stream on 127.0.0.1:{@code args[0]},
 * prints "holding", and waits to be killed (SIGKILL leaves no chance to cancel the streams).
 */
public final class HoldingClient {
  private HoldingClient() {}

  public static void main(String[] args) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1",
        Integer.parseInt(args[0])).usePlaintext().build();
    LogsGrpc.newStub(channel).tail(TailRequest.newBuilder().setFilter(">").build(),
        new Ignore<TailResponse>());
    StreamObserver<IngestFrame> up = IngestGrpc.newStub(channel).stream(new Ignore<IngestReply>());
    up.onNext(IngestFrame.newBuilder().setHello(
        Hello.newBuilder().setApp("held").setRunner("r1")).build());
    System.out.println("holding");
    System.out.flush();
    new CountDownLatch(1).await();
  }

  private static final class Ignore<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
