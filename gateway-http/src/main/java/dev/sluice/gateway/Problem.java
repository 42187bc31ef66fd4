package dev.sluice.gateway;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * An HTTP error as RFC 9457 problem details ({@code application/problem+json}). {@link #of}
 * is the one place where a broker's gRPC status becomes an HTTP status.
 *
 * @param status HTTP status code
 * @param title short summary of the kind of problem
 * @param detail what happened to this request, as the broker or the gateway said it
 * @param param the query parameter or body field at fault, or null
 * @param retryAfterSeconds {@code Retry-After} value, or 0 for none
 */
record Problem(int status, String title, String detail, String param, int retryAfterSeconds) {
  static final String MEDIA_TYPE = "application/problem+json";
  /** What a client waits before trying again after a limit or an unavailable broker. */
  static final int RETRY_AFTER_SECONDS = 1;

  /** 400 naming the parameter at fault. */
  static Problem badParam(String param, String detail) {
    return new Problem(400, "Bad parameter", param + ": " + detail, param, 0);
  }

  static Problem notFound(String detail) {
    return new Problem(404, "Not found", detail, null, 0);
  }

  static Problem unauthenticated(String detail) {
    return new Problem(401, "Unauthenticated", detail, null, 0);
  }

  /** The broker's answer (or the channel's) as an HTTP problem. */
  static Problem of(Throwable failure) {
    if (failure instanceof ProblemException e) {
      return e.problem();
    }
    Status status = failure instanceof StatusRuntimeException e ? e.getStatus()
        : failure instanceof StatusException e ? e.getStatus() : Status.fromThrowable(failure);
    String detail = status.getDescription() != null ? status.getDescription()
        : status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new Problem(400, "Bad parameter", detail,
          paramOf(detail), 0);
      case UNAUTHENTICATED -> new Problem(401, "Unauthenticated", detail, null, 0);
      case PERMISSION_DENIED -> new Problem(403, "Forbidden", detail, null, 0);
      case NOT_FOUND -> new Problem(404, "Not found", detail, null, 0);
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> new Problem(409, "Conflict", detail,
          null, 0);
      case RESOURCE_EXHAUSTED -> new Problem(429, "Too many requests", detail, null,
          RETRY_AFTER_SECONDS);
      case UNIMPLEMENTED -> new Problem(501, "Not implemented", detail, null, 0);
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> new Problem(503, "Broker unavailable",
          "the broker cannot be reached: " + detail, null, RETRY_AFTER_SECONDS);
      default -> new Problem(502, "Broker error", detail, null, 0);
    };
  }

  /**
   * The broker's INVALID_ARGUMENT messages start with the field they are about
   * ({@code "filter: ..."}); the gateway's parameter of that name is the one at fault.
   */
  private static String paramOf(String detail) {
    int colon = detail.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String field = detail.substring(0, colon);
    return switch (field) {
      case "filter" -> "subject";
      case "request_id" -> "request";
      case "where.min_level", "min_level" -> "level";
      case "start.last_n" -> "last";
      case "from_unix_nano/to_unix_nano" -> "from";
      default -> field.matches("[a-z_]{1,32}") ? field : null;
    };
  }

  JsonObject json() {
    JsonObject out = new JsonObject().put("type", "about:blank").put("title", title)
        .put("status", status).put("detail", detail);
    if (param != null) {
      out.put("param", param);
    }
    return out;
  }

  /** Answers with this problem, unless the response has already begun. */
  void send(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader("content-type", MEDIA_TYPE);
    if (status == 401) {
      // RFC 6750: a missing token gets the bare challenge, a refused one says why.
      boolean presented = ctx.request().headers().contains("authorization")
          || ctx.request().getCookie(Credentials.COOKIE) != null;
      response.putHeader("www-authenticate", presented
          ? "Bearer realm=\"sluice\", error=\"invalid_token\"" : "Bearer realm=\"sluice\"");
    }
    if (retryAfterSeconds > 0) {
      response.putHeader("retry-after", Integer.toString(retryAfterSeconds));
    }
    response.end(json().encode());
  }

  /** Throws this problem through code that cannot return it. */
  ProblemException exception() {
    return new ProblemException(this);
  }

  /** A problem raised while handling a request, answered by the router's failure handler. */
  static final class ProblemException extends RuntimeException {
    private final Problem problem;

    ProblemException(Problem problem) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
    }

    Problem problem() {
      return problem;
    }
  }
}
