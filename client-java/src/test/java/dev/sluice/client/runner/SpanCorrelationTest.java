package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A line logged inside an OpenTelemetry span carries the span's trace and span ids. */
class SpanCorrelationTest {
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @Test
  void linesInsideASpanCarryItsIds() {
    Span span;
    // A provider without a span processor hands out only invalid spans: give it one.
    try (SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build();
        SluiceRunner runner = SluiceRunner.builder().target(broker.target()).app("app")
            .runner("r1").build()) {
      Tracer tracer = tracing.get("test");
      span = tracer.spanBuilder("predict").startSpan();
      try (Scope scope = span.makeCurrent()) {
        runner.info("inside the span");
      } finally {
        span.end();
      }
      runner.info("outside any span");
      assertThat(runner.flush(Duration.ofSeconds(20))).isTrue();
    }
    Map<String, Record> by = broker.storedLines("app.>").stream()
        .collect(Collectors.toMap(Record::getMessage, r -> r));
    assertThat(by.get("inside the span").getTraceId())
        .isEqualTo(span.getSpanContext().getTraceId()).hasSize(32);
    assertThat(by.get("inside the span").getSpanId())
        .isEqualTo(span.getSpanContext().getSpanId());
    assertThat(by.get("outside any span").getTraceId()).isEmpty();
  }
}
