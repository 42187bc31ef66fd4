package dev.sluice.broker.store;

import dev.sluice.broker.store.LogStore.Lost;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequence numbers recovery set aside because damage may have taken them (an account's newest
 * records, of which nothing after tells how many there were), kept across restarts: when the
 * account writes again, the hole before its new records is exactly these numbers, and they
 * stay "may have been lost" rather than turning into a certain loss. A small JSON file,
 * replaced whole.
 */
final class ReservedNumbers {
  private final Path file;
  private Map<String, List<Lost>> saved = Map.of();

  ReservedNumbers(Path file) {
    this.file = file;
  }

  /** What the file holds (nothing if there is none). */
  synchronized Map<String, List<Lost>> load() throws IOException {
    Map<String, List<Lost>> out = new HashMap<>();
    if (Files.exists(file)) {
      JsonObject json = new JsonObject(Files.readString(file));
      for (String account : json.fieldNames()) {
        List<Lost> ranges = new ArrayList<>();
        for (Object range : json.getJsonArray(account)) {
          JsonArray pair = (JsonArray) range;
          ranges.add(new Lost(pair.getLong(0), pair.getLong(1), false));
        }
        out.put(account, List.copyOf(ranges));
      }
    }
    saved = Map.copyOf(out);
    return out;
  }

  /** Keeps the uncertain ranges of {@code lost}, if they differ from what the file holds. */
  synchronized void save(Map<String, List<Lost>> lost) throws IOException {
    Map<String, List<Lost>> uncertain = new HashMap<>();
    lost.forEach((account, ranges) -> {
      List<Lost> kept = ranges.stream().filter(r -> !r.certain()).toList();
      if (!kept.isEmpty()) {
        uncertain.put(account, kept);
      }
    });
    if (uncertain.equals(saved) || uncertain.isEmpty() && !Files.exists(file)) {
      return;
    }
    JsonObject json = new JsonObject();
    uncertain.forEach((account, ranges) -> {
      JsonArray array = new JsonArray();
      ranges.forEach(r -> array.add(new JsonArray().add(r.first()).add(r.last())));
      json.put(account, array);
    });
    AtomicFile.write(file, json.encode().getBytes(StandardCharsets.UTF_8), false);
    saved = Map.copyOf(uncertain);
  }
}
