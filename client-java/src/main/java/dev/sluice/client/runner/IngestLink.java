package dev.sluice.client.runner;

import dev.sluice.client.TokenCredentials;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's connection: one sender thread that carries out what {@link LinkState} decides
 * (open a stream, send a frame, half-close, cancel) on one gRPC channel. The sender thread is
 * the only one that writes to a stream; the transport thread only reports back to the state
 * (the channel uses a direct executor, which is safe because those callbacks just take a short
 * lock and signal).
 */
final class IngestLink {
  private static final Logger LOG = LoggerFactory.getLogger(IngestLink.class);

  private final RunnerSettings settings;
  private final LinkState state;
  private final ManagedChannel channel;
  private final IngestGrpc.IngestStub stub;
  private final Thread sender;

  IngestLink(RunnerSettings settings, ManagedChannel channel) {
    this.settings = settings;
    this.state = new LinkState(settings);
    this.channel = channel;
    this.stub = IngestGrpc.newStub(channel)
        .withCallCredentials(TokenCredentials.of(settings.token()));
    this.sender = new Thread(this::runSender, "sluice-runner-" + state.runnerName());
    // Daemon: a runner the app forgot to close must not keep the JVM alive.
    this.sender.setDaemon(true);
  }

  void start() {
    sender.start();
  }

  LinkState state() {
    return state;
  }

  /** Flushes within the close timeout, ends the stream and releases the channel. */
  void close() {
    state.beginClose();
    if (Thread.currentThread() != sender) {
      try {
        sender.join(settings.closeTimeout().plusSeconds(2).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void runSender() {
    try {
      LinkState.Step step;
      while ((step = state.nextStep()) != null) {
        run(step);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Status failedWith = state.finish();
      if (failedWith != null && settings.errorListener() != null) {
        try {
          settings.errorListener().accept(failedWith);
        } catch (RuntimeException e) {
          LOG.warn("runner {}: error listener threw", state.runnerName(), e);
        }
      }
    }
  }

  private void run(LinkState.Step step) throws InterruptedException {
    IngestAttempt a = step.attempt();
    switch (step.action()) {
      case OPEN -> {
        if (step.retry()) {
          // The channel keeps its own, much longer, backoff (up to 2 minutes) after failed
          // connects; ours decides when to try, so make the channel try now.
          channel.resetConnectBackoff();
        }
        ClientCalls.asyncBidiStreamingCall(
            stub.getChannel().newCall(Frames.METHOD, stub.getCallOptions()), a);
        a.send(Frames.Out.of(IngestFrame.newBuilder().setHello(settings.hello()).build()));
      }
      case SEND -> {
        if (a.isReady()) {
          Frames.Out frame = state.takeFrame(a);
          if (frame != null) {
            a.send(frame);
          }
        } else {
          state.awaitReady(a, step.epoch());
        }
      }
      case HALF_CLOSE -> a.halfClose();
      case CANCEL -> a.cancel(step.reason());
      default -> throw new IllegalStateException(step.action().name());
    }
  }
}
