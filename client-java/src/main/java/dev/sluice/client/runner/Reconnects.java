package dev.sluice.client.runner;

import dev.sluice.client.internal.Backoff;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the runner tries its stream again, and what it says about it: the statuses no retry
 * can fix, the backoff between attempts, the attempt count, how long a Welcome may take, and
 * the log lines of a refusal, a lost stream and a reconnect. The runner's counterpart of the
 * tail's {@code Resumer}; kept apart from {@link LinkState} so that one reads as its phases
 * and this as the retry policy.
 *
 * <p>Not thread-safe: {@link LinkState} calls it under its lock.
 */
final class Reconnects {
  // Under LinkState's name, as before this class was split off: logging set up for the
  // runner's state machine keeps seeing these lines.
  private static final Logger LOG = LoggerFactory.getLogger(LinkState.class);
  /** Statuses a retry cannot fix: the runner stops instead of reconnect-looping on them. */
  static final Set<Status.Code> FATAL = EnumSet.of(Status.Code.INVALID_ARGUMENT,
      Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED,
      Status.Code.FAILED_PRECONDITION, Status.Code.UNIMPLEMENTED);

  private final RunnerSettings settings;
  private final Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX);
  private int attempts;
  private long reconnectAtNanos;
  private long welcomeDeadlineNanos;

  Reconnects(RunnerSettings settings) {
    this.settings = settings;
  }

  /** True once the wait after the last failure is over (at once before the first attempt). */
  boolean due(long now) {
    return now - reconnectAtNanos >= 0;
  }

  long reconnectAtNanos() {
    return reconnectAtNanos;
  }

  /** A stream is being opened at {@code now}: its Welcome is due; true if it is a retry. */
  boolean opening(long now) {
    welcomeDeadlineNanos = now + settings.welcomeTimeout().toNanos();
    return ++attempts > 1;
  }

  /** When the Welcome of the stream being opened is overdue. */
  long welcomeDeadlineNanos() {
    return welcomeDeadlineNanos;
  }

  /** Why a stream without a Welcome is given up. */
  String noWelcome() {
    return "no Welcome within " + settings.welcomeTimeout().toMillis() + " ms";
  }

  /** The broker welcomed the stream: the next failure starts the backoff afresh. */
  void welcomed(long lastDurableSeq, int unsent) {
    if (attempts > 1) {
      LOG.info("runner {} reconnected to {} after {} attempts; the broker holds up to seq {}; "
          + "sending {} held lines and events", runnerName(), settings.target(), attempts,
          lastDurableSeq, unsent);
    }
    attempts = 1;
    backoff.reset();
  }

  /** The runner gave up on a stream (no Welcome, no acks in time): retry after the backoff. */
  void abandoned(String reason) {
    reconnectAtNanos = System.nanoTime() + backoff.nextDelayNanos();
    LOG.warn("runner {}: {}; reconnecting", runnerName(), reason);
  }

  /** True, and says so, if the stream ended with a status no retry can fix. */
  boolean refused(Status error) {
    if (!FATAL.contains(error.getCode())) {
      return false;
    }
    LOG.error("runner {} stopped: the broker refused the stream: {} {}", runnerName(),
        error.getCode(), error.getDescription());
    return true;
  }

  /** The stream ended with a retryable {@code error}: retry after the backoff. */
  void retryLater(Status error, boolean wasConnected) {
    long delay = backoff.nextDelayNanos();
    reconnectAtNanos = System.nanoTime() + delay;
    if (wasConnected) {
      LOG.warn("runner {}: stream to {} ended: {} {}; reconnecting in {} ms", runnerName(),
          settings.target(), error.getCode(), error.getDescription(),
          TimeUnit.NANOSECONDS.toMillis(delay));
    } else {
      LOG.debug("runner {}: connect attempt {} to {} failed: {}; next in {} ms", runnerName(),
          attempts, settings.target(), error.getCode(), TimeUnit.NANOSECONDS.toMillis(delay));
    }
  }

  String runnerName() {
    return settings.hello().getApp() + "." + settings.hello().getRunner();
  }
}
