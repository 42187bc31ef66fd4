package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One client connection may hold many more tails than HTTP/2's usual 100 streams (a gateway
 * multiplexes its browsers' tails onto one channel): every one of them is live.
 */
class ManyTailsOneConnectionTest {
  private static final int TAILS = 300;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void threeHundredTailsOnOneChannelAllReceive() throws Exception {
    ManagedChannel channel = sluice.channel();
    AtomicInteger received = new AtomicInteger();
    for (int i = 0; i < TAILS; i++) {
      LogsGrpc.newStub(channel).tail(TailRequest.newBuilder().setFilter("app.>").build(),
          new StreamObserver<>() {
            @Override
            public void onNext(TailResponse response) {
              received.addAndGet(response.getRecordsCount());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
    }
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> sluice.broker().stats().value("tail.open") == TAILS);

    RawRunner.connect(sluice.channel(), "app", "r1").lines("", "hello");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == TAILS);
    assertThat(received.get()).isEqualTo(TAILS);
  }
}
