package dev.sluice.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events reader over the JDK's HTTP client, parsing events as a browser does
 * ({@code id}, {@code event}, {@code data}, comments), for tests.
 */
final class SseClient implements AutoCloseable {
  /** One event; {@code event} is "message" when unnamed, "comment" for a comment line. */
  record Event(String event, String id, String data) {}

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  static SseClient open(GatewayFixture gw, HttpRequest request) throws IOException,
      InterruptedException {
    return new SseClient(gw.http().send(request, HttpResponse.BodyHandlers.ofInputStream()));
  }

  int status() {
    return response.statusCode();
  }

  HttpResponse<InputStream> response() {
    return response;
  }

  /** The whole body of a refused (non-200) answer. */
  String body() throws IOException {
    return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** The next event (comments included), waiting at most {@code wait}; null on timeout. */
  Event next(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next event that is not a comment; fails after {@link GatewayFixture#WAIT}. */
  Event nextEvent() throws InterruptedException {
    long deadline = System.nanoTime() + GatewayFixture.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Event e = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (e != null && !e.event().equals("comment")) {
        return e;
      }
    }
    throw new AssertionError("no event within " + GatewayFixture.WAIT);
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(),
        StandardCharsets.UTF_8))) {
      String event = "message";
      String id = null;
      StringBuilder data = null;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new Event(event, id, data.toString()));
          }
          event = "message";
          id = null;
          data = null;
        } else if (line.startsWith(":")) {
          events.add(new Event("comment", null, line.substring(1).trim()));
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder(line.substring(6))
              : data.append('\n').append(line.substring(6));
        }
      }
      events.add(new Event("end", null, ""));
    } catch (IOException e) {
      events.add(new Event("end", null, e.toString()));
    }
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
