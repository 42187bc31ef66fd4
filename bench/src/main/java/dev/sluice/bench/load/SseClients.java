package dev.sluice.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Server-Sent Events clients of the gateway in the harness's JVM, non-blocking: one Vert.x
 * event loop carries every stream (one HTTP/1.1 connection each, as browsers open them), so a
 * thousand idle streams cost the harness a thousand sockets and no threads.
 */
final class SseClients implements AutoCloseable {
  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final int port;
  private final List<HttpClientResponse> open = new ArrayList<>(); // guarded by itself

  /** Clients of the gateway on 127.0.0.1:{@code port}, at most {@code streams} at a time. */
  SseClients(int port, int streams) {
    this.port = port;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)
        .setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    this.http = vertx.httpClientBuilder()
        // Chunks as the gateway wrote them (one per broker message), not cut at 8 KiB.
        .with(new HttpClientOptions().setConnectTimeout((int) OPEN_TIMEOUT.toMillis())
            .setKeepAlive(false).setMaxChunkSize(1 << 20))
        .with(new PoolOptions().setHttp1MaxSize(streams + 1).setEventLoopSize(1))
        .build();
  }

  /** Where a stream's body goes, chunk by chunk, on the client's event loop. */
  interface Body {
    void chunk(byte[] bytes, int offset, int length);
  }

  /**
   * Opens {@code GET pathAndQuery}; the future completes once the gateway answered 200 (the
   * broker accepted the tail), and fails with the status and body of any other answer. Every
   * body chunk goes to {@code body}.
   */
  CompletableFuture<Void> open(String pathAndQuery, Body body) {
    CompletableFuture<Void> started = new CompletableFuture<>();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
        .setHost("127.0.0.1").setPort(port).setURI(pathAndQuery)
        .setIdleTimeout(0).putHeader("accept", "text/event-stream");
    http.request(request).compose(r -> r.send()).onComplete(ar -> {
      if (ar.failed()) {
        started.completeExceptionally(ar.cause());
        return;
      }
      HttpClientResponse response = ar.result();
      if (response.statusCode() != 200) {
        response.body().onComplete(b -> started.completeExceptionally(new IllegalStateException(
            "GET " + pathAndQuery + ": HTTP " + response.statusCode() + " "
                + (b.succeeded() ? b.result().toString() : b.cause().toString()))));
        return;
      }
      synchronized (open) {
        open.add(response);
      }
      response.handler(chunk -> read(chunk, body));
      response.exceptionHandler(e -> { }); // the stream's end is seen by its reader's counts
      started.complete(null);
    });
    return started;
  }

  /** The chunk's bytes in place when it has an array (Vert.x reads into heap buffers). */
  private static void read(Buffer chunk, Body body) {
    ByteBuf buf = chunk instanceof BufferInternal internal ? internal.getByteBuf() : null;
    if (buf != null && buf.hasArray()) {
      body.chunk(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    } else {
      byte[] bytes = chunk.getBytes();
      body.chunk(bytes, 0, bytes.length);
    }
  }

  /** Waits (bounded) for every future; fails with the first failure. */
  static void awaitAll(List<CompletableFuture<Void>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(new CompletableFuture[0]))
          .get(OPEN_TIMEOUT.toMillis() + futures.size() * 20L, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("an SSE stream did not open: " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      long done = futures.stream().filter(CompletableFuture::isDone).count();
      throw new IllegalStateException("SSE streams not open in time: " + done + " of "
          + futures.size());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Streams open now. */
  int openStreams() {
    synchronized (open) {
      return open.size();
    }
  }

  @Override
  public void close() {
    List<HttpClientResponse> streams;
    synchronized (open) {
      streams = new ArrayList<>(open);
      open.clear();
    }
    for (HttpClientResponse r : streams) {
      r.request().reset();
    }
    await(http.close());
    await(vertx.close());
  }

  private static void await(Future<Void> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing after the measurement: a slow close changes no figure
    }
  }
}
