package dev.sluice.broker.plugin.drain;

import io.vertx.core.json.JsonObject;

/**
 * Everything the broker keeps about one drain: its settings (with the secret, which never
 * leaves the broker again), its durable cursor, the batch it is delivering, and its counters.
 * Mutable; guarded by its {@link DrainWorker}. Saved as JSON in the drains file.
 */
final class DrainState {
  String uid; // new for every created drain: batch ids never repeat across re-creations
  String account;
  String name;
  String url;
  String secret;
  String previousSecret = "";
  long previousUntilMillis;
  String filter = ">";
  int minLevel;
  int maxBatchLines = 1000;
  int flushIntervalMs = 1000;
  boolean enabled = true;
  /** Every matching record up to this sequence was delivered. */
  long cursor;
  /** Backfill of a new drain: records up to {@code startBoundary} older than this are skipped. */
  long sinceNanos = Long.MIN_VALUE;
  long startBoundary;
  /** The batch being delivered (first and last sequence it covers); 0 when none. */
  long pendingFirst;
  long pendingThrough;
  /** The filter and level the pending batch was read with: a retry reads the same lines. */
  String pendingFilter = ">";
  int pendingMinLevel;
  int consecutiveFailures;
  long totalFailures;
  String lastError = "";
  long lastSuccessNanos;
  long deliveredLines;
  long deliveredBatches;
  /** Records lost to damage in the store that the cursor passed, through {@code lostThrough}. */
  long lostRecords;
  long lostThrough;
  String lastGap = "";

  JsonObject toJson() {
    return new JsonObject().put("uid", uid).put("account", account).put("name", name)
        .put("url", url).put("secret", secret).put("previousSecret", previousSecret)
        .put("previousUntilMillis", previousUntilMillis).put("filter", filter)
        .put("minLevel", minLevel).put("maxBatchLines", maxBatchLines)
        .put("flushIntervalMs", flushIntervalMs).put("enabled", enabled).put("cursor", cursor)
        .put("sinceNanos", sinceNanos).put("startBoundary", startBoundary)
        .put("pendingFirst", pendingFirst).put("pendingThrough", pendingThrough)
        .put("pendingFilter", pendingFilter).put("pendingMinLevel", pendingMinLevel)
        .put("consecutiveFailures", consecutiveFailures).put("totalFailures", totalFailures)
        .put("lastError", lastError).put("lastSuccessNanos", lastSuccessNanos)
        .put("deliveredLines", deliveredLines).put("deliveredBatches", deliveredBatches)
        .put("lostRecords", lostRecords).put("lostThrough", lostThrough).put("lastGap", lastGap);
  }

  static DrainState fromJson(JsonObject j) {
    DrainState s = new DrainState();
    s.uid = j.getString("uid");
    s.account = j.getString("account");
    s.name = j.getString("name");
    s.url = j.getString("url");
    s.secret = j.getString("secret");
    s.previousSecret = j.getString("previousSecret", "");
    s.previousUntilMillis = j.getLong("previousUntilMillis", 0L);
    s.filter = j.getString("filter", ">");
    s.minLevel = j.getInteger("minLevel", 0);
    s.maxBatchLines = j.getInteger("maxBatchLines", 1000);
    s.flushIntervalMs = j.getInteger("flushIntervalMs", 1000);
    s.enabled = j.getBoolean("enabled", true);
    s.cursor = j.getLong("cursor", 0L);
    s.sinceNanos = j.getLong("sinceNanos", Long.MIN_VALUE);
    s.startBoundary = j.getLong("startBoundary", 0L);
    s.pendingFirst = j.getLong("pendingFirst", 0L);
    s.pendingThrough = j.getLong("pendingThrough", 0L);
    s.pendingFilter = j.getString("pendingFilter", s.filter);
    s.pendingMinLevel = j.getInteger("pendingMinLevel", s.minLevel);
    s.consecutiveFailures = j.getInteger("consecutiveFailures", 0);
    s.totalFailures = j.getLong("totalFailures", 0L);
    s.lastError = j.getString("lastError", "");
    s.lastSuccessNanos = j.getLong("lastSuccessNanos", 0L);
    s.deliveredLines = j.getLong("deliveredLines", 0L);
    s.deliveredBatches = j.getLong("deliveredBatches", 0L);
    s.lostRecords = j.getLong("lostRecords", 0L);
    s.lostThrough = j.getLong("lostThrough", 0L);
    s.lastGap = j.getString("lastGap", "");
    return s;
  }
}
