package dev.sluice.broker.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: every record and every runner session's progress go into one
 * {@link SegmentLog}, and an append completes only once it is on disk (group commit, by the
 * {@link FsyncPolicy}). On open, recovery rebuilds each account's sequence numbers, its newest
 * records and the sessions' last client sequence, so a reconnecting runner resends only what
 * is missing, and nothing acknowledged is lost.
 *
 * <p>Reads are served from memory (each account's newest {@code recent} records); older ones
 * are on disk and reported as missing until the history reader of the durable-store issue
 * serves them off the event loop.
 */
public final class SegmentStore implements LogStore {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);
  private static final byte RECORD = 1;
  private static final byte SESSION = 2;

  private final SegmentLog log;
  private final int recent;
  private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> sessions = new ConcurrentHashMap<>();

  private final class Account {
    final RecordRing ring = new RecordRing(recent); // durable records only, guarded by this
    long assigned; // last sequence handed out, guarded by this
  }

  private SegmentStore(SegmentLog log, int recent) {
    this.log = log;
    this.recent = recent;
  }

  /** Opens the store in {@code dir}, recovering what is there. */
  public static SegmentStore open(Path dir, long segmentBytes, FsyncPolicy fsync, int recent)
      throws IOException {
    SegmentStore store = new SegmentStore(SegmentLog.open(dir, segmentBytes, fsync), recent);
    store.recover();
    return store;
  }

  public SegmentLog.Recovery recovery() {
    return log.recovery();
  }

  private void recover() {
    long records = 0;
    for (SegmentLog.Entry entry : log.recovered()) {
      ByteBuffer body = ByteBuffer.wrap(entry.body());
      byte type = body.get();
      String account = string(body);
      if (type == RECORD) {
        byte[] bytes = new byte[body.remaining()];
        body.get(bytes);
        try {
          Record wire = Record.parseFrom(bytes);
          Account a = account(account);
          a.ring.add(new StoredRecord(wire.getSeq(), wire, bytes));
          a.assigned = wire.getSeq();
          records++;
        } catch (InvalidProtocolBufferException e) {
          LOG.error("recovery: a record of account {} at {} does not parse; skipped",
              account, entry.position());
        }
      } else if (type == SESSION) {
        String session = string(body);
        sessions.merge(account + '\u0000' + session, body.getLong(), Math::max);
      }
    }
    LOG.info("store recovered {} records of {} accounts and {} runner sessions", records,
        accounts.size(), sessions.size());
  }

  private Account account(String name) {
    return accounts.computeIfAbsent(name, n -> new Account());
  }

  @Override
  public Future<List<StoredRecord>> append(String account, String sessionKey, long clientSeq,
      List<Record> drafts) {
    Account a = account(account);
    Context context = Vertx.currentContext();
    Promise<List<StoredRecord>> promise = Promise.promise();
    List<StoredRecord> stored = new ArrayList<>(drafts.size());
    List<byte[]> bodies = new ArrayList<>(drafts.size() + 1);
    byte[] accountBytes = account.getBytes(StandardCharsets.UTF_8);
    synchronized (a) {
      for (Record draft : drafts) {
        StoredRecord record = StoredRecord.of(++a.assigned, draft);
        stored.add(record);
        bodies.add(body(RECORD, accountBytes, record.encoded()));
      }
      if (!sessionKey.isEmpty()) {
        byte[] key = sessionKey.getBytes(StandardCharsets.UTF_8);
        bodies.add(body(SESSION, accountBytes, ByteBuffer.allocate(2 + key.length + 8)
            .putShort((short) key.length).put(key).putLong(clientSeq).array()));
      }
      // Enqueued under the account's lock: the log's order is the sequence order.
      log.append(bodies).whenComplete((positions, failure) -> {
        if (failure == null) {
          synchronized (a) {
            stored.forEach(a.ring::add);
          }
          if (!sessionKey.isEmpty()) {
            sessions.merge(account + '\u0000' + sessionKey, clientSeq, Math::max);
          }
        }
        Runnable done = failure == null ? () -> promise.complete(stored)
            : () -> promise.fail(failure);
        if (context != null) {
          context.runOnContext(v -> done.run());
        } else {
          done.run();
        }
      });
    }
    return promise.future();
  }

  private static byte[] body(byte type, byte[] account, byte[] payload) {
    return ByteBuffer.allocate(1 + 2 + account.length + payload.length).put(type)
        .putShort((short) account.length).put(account).put(payload).array();
  }

  private static String string(ByteBuffer body) {
    byte[] bytes = new byte[body.getShort() & 0xffff];
    body.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public long lastClientSeq(String account, String sessionKey) {
    return sessions.getOrDefault(account + '\u0000' + sessionKey, 0L);
  }

  @Override
  public long lastSeq(String account) {
    Account a = accounts.get(account);
    if (a == null) {
      return 0;
    }
    synchronized (a) {
      return a.ring.lastSeq();
    }
  }

  @Override
  public ReadResult read(String account, long afterSeq, int max) {
    Account a = accounts.get(account);
    if (a == null) {
      return new ReadResult(List.of(), 0, afterSeq);
    }
    synchronized (a) {
      return a.ring.read(afterSeq, max);
    }
  }

  @Override
  public void close() {
    log.close();
  }
}
