package dev.sluice.client.runner;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.RequestEnd;
import dev.sluice.proto.v1.RequestStatus;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request on the runner, from {@link SluiceRunner#request}: a RequestStart was sent when it
 * was opened, and {@link #close()} sends the RequestEnd (REQUEST_OK, or REQUEST_ERROR after
 * {@link #fail}). Lines logged through the scope carry its request id explicitly, so they land
 * on {@code <app>.<runner>.<requestId>} however many requests are open at once.
 *
 * <pre>{@code
 * try (RequestScope req = runner.request("req-7", "/predict", "user-42")) {
 *   req.info("denoising", Map.of("step", "3"));
 *   if (bad) req.fail("CUDA out of memory");
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing twice sends one RequestEnd.
 */
public final class RequestScope extends LogMethods implements AutoCloseable {
  private final SluiceRunner runner;
  private final String requestId;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile RequestStatus status = RequestStatus.REQUEST_OK;
  private volatile String statusMessage = "";

  RequestScope(SluiceRunner runner, String requestId) {
    this.runner = runner;
    this.requestId = requestId;
  }

  /**
   * Throws what {@link SluiceRunner#request(String, String, String)} would for these
   * arguments, without opening anything: for a caller that opens the request later (a spool)
   * and must refuse it now.
   *
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static void check(String requestId, String endpoint, String caller) {
    dev.sluice.client.Subjects.requireToken("requestId", requestId);
    FreeText.check("endpoint", endpoint == null ? "" : endpoint);
    FreeText.check("caller", caller == null ? "" : caller);
  }

  /** The request id, the third subject token of this request's lines. */
  public String requestId() {
    return requestId;
  }

  /**
   * Marks the request as failed; the RequestEnd sent on close says REQUEST_ERROR with
   * {@code message} (control characters become spaces, clipped to 256 characters: it is a
   * short outcome such as an exception type, and the broker refuses anything longer).
   */
  public void fail(String message) {
    statusMessage = FreeText.clip(message);
    status = RequestStatus.REQUEST_ERROR;
  }

  @Override
  void log(Level level, String message, Map<String, String> fields) {
    runner.log(level, message, fields, requestId);
  }

  /** Ends the request: sends RequestEnd with its status. */
  @Override
  public void close() {
    end(0);
  }

  /**
   * {@link #close()} as of {@code timeUnixNano} (0: now), for an end replayed later than it
   * happened, such as from a spool.
   */
  public void end(long timeUnixNano) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long time = timeUnixNano > 0 ? timeUnixNano : SluiceRunner.nowNanos();
    RequestStatus finalStatus = status;
    String finalMessage = statusMessage;
    runner.requestClosed(requestId);
    runner.link().state().event(seq -> IngestFrame.newBuilder()
        .setRequestEnd(RequestEnd.newBuilder().setSeq(seq).setRequestId(requestId)
            .setStatus(finalStatus).setStatusMessage(finalMessage)
            .setTimeUnixNano(time))
        .build());
  }
}
