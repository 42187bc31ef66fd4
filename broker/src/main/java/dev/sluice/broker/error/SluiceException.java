package dev.sluice.broker.error;

import java.util.Objects;

/**
 * A failure with a {@link Failure} kind and a message a person can act on. The message is sent
 * to the client as is, so it must never contain a token or a secret.
 */
public final class SluiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Failure failure;

  public SluiceException(Failure failure, String message) {
    super(message, null, false, false);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  public Failure failure() {
    return failure;
  }

  public static SluiceException invalid(String message) {
    return new SluiceException(Failure.INVALID_ARGUMENT, message);
  }

  public static SluiceException exhausted(String message) {
    return new SluiceException(Failure.RESOURCE_EXHAUSTED, message);
  }
}
