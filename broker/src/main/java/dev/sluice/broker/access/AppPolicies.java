package dev.sluice.broker.access;

import dev.sluice.broker.store.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-app policy, today whether its logs are private: callers of a private app see their
 * requests' state but no lines (owners see everything). Runners announce it in Hello; an
 * admin's setting, once made, wins over the announcements.
 *
 * <p>Kept in a small file in the data directory (replaced whole, see {@link AtomicFile})
 * so a restart never turns a private app public. Writes run on their own thread, never on an
 * event loop; {@link #set} completes once its write is on disk.
 */
public final class AppPolicies implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AppPolicies.class);
  private static final int VERSION = 1;

  private final ConcurrentHashMap<String, Policy> apps = new ConcurrentHashMap<>();
  private final Path file;
  private final ExecutorService writer;

  private static final class Policy {
    volatile boolean announcedPrivate;
    volatile Boolean adminPrivate;

    boolean isPrivate() {
      Boolean admin = adminPrivate;
      return admin != null ? admin : announcedPrivate;
    }
  }

  /** Policies held in memory only (tests, the in-memory store). */
  public AppPolicies() {
    this.file = null;
    this.writer = null;
  }

  private AppPolicies(Path file) {
    this.file = file;
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sluice-app-policies");
      t.setDaemon(true);
      return t;
    });
  }

  /** Policies kept in {@code file}, loading what is there. */
  public static AppPolicies open(Path file) throws IOException {
    AppPolicies policies = new AppPolicies(file);
    try (InputStream in = Files.newInputStream(file);
        DataInputStream data = new DataInputStream(in)) {
      if (data.readInt() != VERSION) {
        throw new IOException(file + ": unknown app policy file version");
      }
      int n = data.readInt();
      for (int i = 0; i < n; i++) {
        Policy p = new Policy();
        String key = data.readUTF();
        p.announcedPrivate = data.readBoolean();
        byte admin = data.readByte();
        p.adminPrivate = admin == 0 ? null : admin == 1;
        policies.apps.put(key, p);
      }
    } catch (NoSuchFileException e) {
      // first start
    } catch (EOFException e) {
      throw new IOException(file + ": app policy file is truncated", e);
    }
    return policies;
  }

  private Policy policy(String account, String app) {
    return apps.computeIfAbsent(account + '\u0000' + app, k -> new Policy());
  }

  /**
   * A runner's Hello said whether the app's logs are private. Sticky: one runner (an old SDK,
   * a default value) must not make a private app public; only an admin can turn it off.
   */
  public void announce(String account, String app, boolean privateLogs) {
    if (privateLogs) {
      Policy p = policy(account, app);
      if (!p.announcedPrivate) {
        p.announcedPrivate = true;
        persist();
      }
    }
  }

  /** An admin set the policy; it overrides what runners announce. Completes once stored. */
  public CompletableFuture<Void> set(String account, String app, boolean privateLogs) {
    policy(account, app).adminPrivate = privateLogs;
    return persist();
  }

  public boolean isPrivate(String account, String app) {
    Policy p = apps.get(account + '\u0000' + app);
    return p != null && p.isPrivate();
  }

  private CompletableFuture<Void> persist() {
    if (writer == null) {
      return CompletableFuture.completedFuture(null);
    }
    // Each write stores the whole current map, so a later write carries every earlier change.
    return CompletableFuture.runAsync(() -> {
      try {
        write();
      } catch (IOException e) {
        LOG.error("app policies: writing {} failed", file, e);
        throw new java.io.UncheckedIOException(e);
      }
    }, writer);
  }

  private void write() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(bytes)) {
      Map<String, Policy> snapshot = Map.copyOf(apps);
      data.writeInt(VERSION);
      data.writeInt(snapshot.size());
      for (Map.Entry<String, Policy> e : snapshot.entrySet()) {
        data.writeUTF(e.getKey());
        data.writeBoolean(e.getValue().announcedPrivate);
        Boolean admin = e.getValue().adminPrivate;
        data.writeByte(admin == null ? 0 : admin ? 1 : 2);
      }
    }
    AtomicFile.write(file, bytes.toByteArray(), false);
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.shutdown();
      try {
        writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
