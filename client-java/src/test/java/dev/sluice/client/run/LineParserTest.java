package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import org.junit.jupiter.api.Test;

/** What a captured line says about its level, request, trace and fields. */
class LineParserTest {
  private static LogEntry out(String line) {
    return LineParser.parse(line, Stream.STDOUT, 0);
  }

  private static LogEntry err(String line) {
    return LineParser.parse(line, Stream.STDERR, 0);
  }

  @Test
  void plainLinesAreInfoOnStdoutAndErrorOnStderr() {
    assertThat(out("loading weights").level()).isEqualTo(Level.INFO);
    assertThat(err("Traceback (most recent call last):").level()).isEqualTo(Level.ERROR);
    assertThat(err("loading weights").stream()).isEqualTo(Stream.STDERR);
    assertThat(out("Errors are counted below").level()).isEqualTo(Level.INFO);
  }

  @Test
  void aLeadingLevelWordSetsTheLevel() {
    assertThat(err("WARNING:root:disk almost full").level()).isEqualTo(Level.WARN);
    assertThat(out("[error] cannot open model").level()).isEqualTo(Level.ERROR);
    assertThat(out("[Debug] step 3").level()).isEqualTo(Level.DEBUG);
    assertThat(out("ERROR something broke").level()).isEqualTo(Level.ERROR);
    assertThat(out("error: no such file").level()).isEqualTo(Level.ERROR);
    assertThat(err("INFO: Started server process [42]").level()).isEqualTo(Level.INFO);
    assertThat(err("CRITICAL: out of memory").level()).isEqualTo(Level.FATAL);
    assertThat(err("E1206 12:00:00.000123  42 main.cc:10] failed").level())
        .isEqualTo(Level.ERROR);
    assertThat(err("W1206 12:00:00.000123  42 main.cc:10] slow").level()).isEqualTo(Level.WARN);
    assertThat(err("I1206 12:00:00.000123  42 main.cc:10] ok").level()).isEqualTo(Level.INFO);
  }

  @Test
  void aJsonObjectIsAStructuredRecord() {
    LogEntry e = out("{\"level\":\"warning\",\"message\":\"slow step\",\"request_id\":\"req-7\","
        + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\","
        + "\"step\":3,\"gpu\":\"a100\",\"extra\":{\"batch\":[1,2]},\"ok\":true,\"none\":null}");
    assertThat(e.level()).isEqualTo(Level.WARN);
    assertThat(e.message()).isEqualTo("slow step");
    assertThat(e.requestId()).isEqualTo("req-7");
    assertThat(e.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(e.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(e.fields()).containsExactly(
        java.util.Map.entry("step", "3"), java.util.Map.entry("gpu", "a100"),
        java.util.Map.entry("extra", "{\"batch\":[1,2]}"), java.util.Map.entry("ok", "true"),
        java.util.Map.entry("none", "null"));
  }

  @Test
  void pinoZapAndRunPodShapesAreRead() {
    LogEntry pino = out("{\"level\":50,\"time\":1700000000000,\"msg\":\"boom\",\"pid\":1}");
    assertThat(pino.level()).isEqualTo(Level.ERROR);
    assertThat(pino.message()).isEqualTo("boom");
    assertThat(pino.fields()).containsKeys("time", "pid");
    LogEntry runpod = err("{\"requestId\":\"job-1\",\"message\":\"started\",\"level\":\"INFO\"}");
    assertThat(runpod.level()).isEqualTo(Level.INFO);
    assertThat(runpod.requestId()).isEqualTo("job-1");
  }

  @Test
  void jsonWithoutAMessageKeepsTheLineAndBrokenJsonIsAPlainLine() {
    assertThat(out("{\"event\":\"tick\"}").message()).isEqualTo("{\"event\":\"tick\"}");
    assertThat(out("{\"event\":\"tick\"}").fields()).containsEntry("event", "tick");
    LogEntry broken = err("{not json}");
    assertThat(broken.message()).isEqualTo("{not json}");
    assertThat(broken.fields()).isEmpty();
    assertThat(broken.level()).isEqualTo(Level.ERROR);
    assertThat(out("{\"a\":1} {\"b\":2}").fields()).isEmpty();
  }
}
