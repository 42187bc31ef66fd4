package dev.sluice.token;

/**
 * Why a token was refused. The message never contains the token itself.
 */
public final class TokenException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The reasons a token is refused; each has its own message. */
  public enum Reason {
    MISSING, MALFORMED, UNTRUSTED_SIGNATURE, EXPIRED, NOT_YET_VALID
  }

  private final Reason reason;

  public TokenException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
