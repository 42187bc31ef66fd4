package dev.sluice.client.runner;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * The OpenTelemetry span current on the logging thread, when OpenTelemetry's API is on the
 * class path (an optional dependency of the SDK): a line logged inside a span carries its trace
 * and span ids, so {@code sluice logs --trace ID} finds it beside the trace's other lines.
 * Without the API this costs one field read per line.
 */
final class CurrentSpan {
  private static volatile boolean present = present();

  private CurrentSpan() {}

  /** The current span's ids, or null when there is no valid span (or no OpenTelemetry). */
  static Frames.Ids ids() {
    if (!present) {
      return null;
    }
    try {
      return Otel.ids();
    } catch (LinkageError e) {
      present = false; // an OpenTelemetry API this code cannot use: lines go without its ids
      return null;
    }
  }

  private static boolean present() {
    try {
      Class.forName("io.opentelemetry.api.trace.Span", false,
          CurrentSpan.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Loaded only when the API is there. */
  private static final class Otel {
    static Frames.Ids ids() {
      SpanContext context = Span.current().getSpanContext();
      return context.isValid() ? new Frames.Ids(context.getTraceId(), context.getSpanId())
          : null;
    }
  }
}
