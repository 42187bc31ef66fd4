package dev.sluice.broker.plugin.drain;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Sends one signed batch: an HTTP POST with the JDK client (certificates verified, extra CAs
 * from the settings, no redirects followed: a redirect is an answer, not a new destination),
 * the endpoint's addresses checked first. Never blocks its caller; DNS runs on the delivery
 * threads, and only the start of an answer's body is read.
 */
final class Delivery implements AutoCloseable {
  /** What came back: an HTTP status (0 for a network error), a short reason, Retry-After. */
  record Result(int status, String reason, Duration retryAfter, long latencyNanos) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private static final int REASON_BYTES = 200;

  private final DrainSettings settings;
  private final EndpointGuard guard;
  private final ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "sluice-drain-delivery");
    t.setDaemon(true);
    return t;
  });
  // DNS lookups block; they get their own threads so a slow resolver cannot starve the client.
  private final ExecutorService lookups = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "sluice-drain-dns");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient client;

  Delivery(DrainSettings settings, EndpointGuard guard) {
    this.settings = settings;
    this.guard = guard;
    this.client = HttpClient.newBuilder().connectTimeout(settings.timeout())
        .followRedirects(HttpClient.Redirect.NEVER).sslContext(sslContext(settings.caFile()))
        .executor(threads).build();
  }

  private static SSLContext sslContext(Path caFile) {
    try {
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      // The JDK's own CAs plus the configured ones: adding a CA must not drop the public ones.
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      try (InputStream in = Files.newInputStream(Path.of(System.getProperty("java.home"),
          "lib", "security", "cacerts"))) {
        trust.load(in, null);
      }
      try (InputStream in = Files.newInputStream(caFile)) {
        int i = 0;
        for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trust.setCertificateEntry("sluice-extra-ca-" + i++, ca);
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("drains.caFile: cannot use " + caFile + ": "
          + e.getMessage(), e);
    }
  }

  /** POSTs {@code body} to {@code url} with {@code headers}; never fails, answers a Result. */
  CompletableFuture<Result> post(URI url, Map<String, String> headers, byte[] body) {
    long start = System.nanoTime();
    AtomicReference<CompletableFuture<?>> exchange = new AtomicReference<>();
    return CompletableFuture.supplyAsync(() -> guard.refusal(url), lookups)
        .thenCompose(refused -> {
          if (refused != null) {
            return CompletableFuture.completedFuture(
                new Result(0, "refused: " + refused, null, System.nanoTime() - start));
          }
          HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(settings.timeout())
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
          headers.forEach(request::header);
          CompletableFuture<HttpResponse<String>> sent =
              client.sendAsync(request.build(), info -> new Prefix());
          exchange.set(sent);
          return sent.thenApply(response -> answer(response, start));
        })
        // One bound for the whole exchange, the answer's body included: an endpoint that
        // sends headers and then stalls must not hold a drain forever.
        .orTimeout(settings.timeout().toMillis() * 2, TimeUnit.MILLISECONDS)
        .exceptionally(e -> {
          CompletableFuture<?> sent = exchange.get();
          if (sent != null) {
            sent.cancel(true); // abort the exchange itself, or its connection stays open
          }
          return new Result(0, "network: " + describe(e), null, System.nanoTime() - start);
        });
  }

  /**
   * Takes the first {@value #REASON_BYTES} bytes of an answer's body and cancels the rest,
   * without blocking a thread: an endpoint must not make the broker buffer or wait much.
   */
  private static final class Prefix implements HttpResponse.BodySubscriber<String> {
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    @Override
    public CompletionStage<String> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer item : items) {
        int n = Math.min(item.remaining(), REASON_BYTES - bytes.size());
        byte[] part = new byte[n];
        item.get(part);
        bytes.write(part, 0, n);
      }
      if (bytes.size() >= REASON_BYTES) {
        subscription.cancel();
        done();
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable failure) {
      done(); // the status is what counts; keep what came
    }

    @Override
    public void onComplete() {
      done();
    }

    private void done() {
      body.complete(bytes.toString(StandardCharsets.UTF_8));
    }
  }

  private static Result answer(HttpResponse<String> response, long start) {
    String reason = response.body().replaceAll("\\s+", " ").trim();
    int status = response.statusCode();
    String text = "HTTP " + status + (reason.isEmpty() ? "" : ": " + reason);
    return new Result(status, text, retryAfter(response), System.nanoTime() - start);
  }

  /** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(HttpResponse<?> response) {
    String value = response.headers().firstValue("Retry-After").orElse(null);
    if (value == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(ZonedDateTime.now(),
            ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException notDate) {
        return null;
      }
    }
  }

  private static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof java.net.ConnectException && cause.getMessage() == null) {
      return "connection refused or unreachable";
    }
    if (cause instanceof java.net.http.HttpTimeoutException) {
      return "no answer within the timeout";
    }
    String message = cause.getMessage() == null ? "" : ": " + cause.getMessage();
    return cause.getClass().getSimpleName() + message;
  }

  @Override
  public void close() {
    lookups.shutdownNow();
    threads.shutdownNow();
  }
}
