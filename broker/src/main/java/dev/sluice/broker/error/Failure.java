package dev.sluice.broker.error;

/**
 * What went wrong, in terms a client can act on. Mapped to a gRPC status (and, in the gateway,
 * to an HTTP problem) in exactly one place each: {@code dev.sluice.broker.grpc.Statuses}.
 */
public enum Failure {
  /** The request itself is wrong (bad subject, malformed Hello, ...): do not retry as is. */
  INVALID_ARGUMENT,
  /** A limit was exceeded (frame size, batch size, open requests). */
  RESOURCE_EXHAUSTED,
  /** The operation does not fit the current state. */
  FAILED_PRECONDITION,
  /** No valid credentials. */
  UNAUTHENTICATED,
  /** Valid credentials, but not allowed. */
  PERMISSION_DENIED,
  /** The thing named does not exist. */
  NOT_FOUND,
  /** Something with that name exists already. */
  ALREADY_EXISTS,
  /** The broker cannot serve now (shutting down): retry, elsewhere if possible. */
  UNAVAILABLE,
  /** Not built yet. */
  UNIMPLEMENTED,
  /** A bug or an unexpected state in the broker. */
  INTERNAL
}
