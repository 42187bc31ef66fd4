package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Welcome;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A broker that stops reading after the Hello: HTTP/2 flow control pushes back, and the runner
 * must keep its lines in its own bounded buffer rather than queue them inside gRPC.
 */
class FlowControlTest {
  private static final int WINDOW_BYTES = 64 * 1024;
  private static final int LINE_CHARS = 1_000;
  private static final int BUFFER = 5_000;

  private Server server;

  @BeforeEach
  void startStalledServer() throws Exception {
    IngestGrpc.IngestImplBase stalled = new IngestGrpc.IngestImplBase() {
      @Override
      public StreamObserver<IngestFrame> stream(StreamObserver<IngestReply> out) {
        ServerCallStreamObserver<IngestReply> call = (ServerCallStreamObserver<IngestReply>) out;
        call.disableAutoRequest();
        call.request(1); // the Hello, and nothing after it
        return new StreamObserver<>() {
          @Override
          public void onNext(IngestFrame frame) {
            out.onNext(IngestReply.newBuilder().setWelcome(Welcome.newBuilder()
                .setMaxFrameBytes(4 << 20).setMaxRecordsPerBatch(5_000)).build());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    };
    // A fixed window (no auto-tuning) so the push-back comes early and predictably.
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .flowControlWindow(WINDOW_BYTES).addService(stalled).build().start();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void linesWaitInTheBoundedBufferWhileTheStreamIsNotReady() {
    try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + server.getPort())
        .app("app").runner("runner-1").bufferRecords(BUFFER).maxBatchRecords(100)
        .closeTimeout(Duration.ZERO).build()) {
      String text = "x".repeat(LINE_CHARS);
      IntStream.range(0, 2 * BUFFER).forEach(i -> runner.info(text));
      LinkState state = runner.link().state();

      // The sender writes until the transport says "not ready", then stops writing.
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> state.inflight() > 0 && state.held() == BUFFER);
      Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
          .until(() -> state.inflight() < 1_000);
      // In flight: about the window and gRPC's 32 KiB ready threshold, plus one batch; the
      // rest is held unsent, where the drop-oldest policy applies.
      assertThat(runner.droppedCount()).isEqualTo(BUFFER);
      assertThat(state.held() - state.inflight()).isGreaterThan(BUFFER - 1_000);
    }
  }
}
