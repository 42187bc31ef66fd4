package dev.sluice.broker.plugin.drain;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP intake on 127.0.0.1 for drain tests: records every request with the status it
 * answered, answers scripted statuses first and then a default one.
 */
final class Receiver implements AutoCloseable {
  /** One request as received, and what it was answered. */
  record Request(Map<String, String> headers, byte[] body, int status, long receivedNanos) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ArrayDeque<Integer> script = new ArrayDeque<>();
  private volatile int defaultStatus = 200;
  private volatile boolean silent;
  private HttpServer server;

  static Receiver start() throws Exception {
    Receiver r = new Receiver();
    r.server = r.vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(req -> req.body().onSuccess(body -> {
          if (r.silent) {
            return; // never answer: the client's timeout must fire
          }
          int status;
          synchronized (r.script) {
            status = r.script.isEmpty() ? r.defaultStatus : r.script.poll();
          }
          Map<String, String> headers = new TreeMap<>();
          req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
          r.requests.add(new Request(headers, body.getBytes(), status, System.nanoTime()));
          req.response().setStatusCode(status).end();
        }))
        .listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return r;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/intake";
  }

  /** The next requests are answered with these statuses, in order. */
  void script(int... statuses) {
    synchronized (script) {
      for (int s : statuses) {
        script.add(s);
      }
    }
  }

  void setDefault(int status) {
    defaultStatus = status;
  }

  /** Stops answering at all (a dead endpoint that accepts connections). */
  void silent(boolean value) {
    silent = value;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
