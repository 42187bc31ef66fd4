package dev.sluice.broker.plugin.drain;

import dev.sluice.broker.store.AtomicFile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drains file ({@code <dataDir>/drains.json}, mode 0600: it holds the secrets): every
 * drain's settings, cursor and counters. Written whole to a temporary file, forced and renamed,
 * on its own thread (never an event loop); a save completes once its snapshot is on disk.
 */
final class DrainBook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DrainBook.class);

  private final Path file;
  private CompletableFuture<Void> queued; // a save not yet started; guarded by this
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sluice-drains-book");
    t.setDaemon(true);
    return t;
  });

  DrainBook(Path file) {
    this.file = file;
  }

  List<DrainState> load() throws IOException {
    List<DrainState> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    JsonObject root = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    for (Object o : root.getJsonArray("drains", new JsonArray())) {
      out.add(DrainState.fromJson((JsonObject) o));
    }
    return out;
  }

  /**
   * Saves what {@code snapshot} returns when the write runs (so the newest state wins). Saves
   * asked for while one waits to start share it: every delivery asks for one, and one write
   * then carries them all.
   */
  synchronized CompletableFuture<Void> save(Supplier<List<JsonObject>> snapshot) {
    if (queued != null) {
      return queued;
    }
    CompletableFuture<Void> next = new CompletableFuture<>();
    queued = next;
    writer.execute(() -> {
      synchronized (this) {
        queued = null; // from here on, a new save needs a new write
      }
      try {
        write(new JsonObject().put("version", 1).put("drains", new JsonArray(
            new ArrayList<>(snapshot.get()))));
        next.complete(null);
      } catch (IOException | RuntimeException e) {
        LOG.error("drains: writing {} failed", file, e);
        next.completeExceptionally(e);
      }
    });
    return next;
  }

  private void write(JsonObject root) throws IOException {
    AtomicFile.write(file, root.encode().getBytes(StandardCharsets.UTF_8), true);
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
