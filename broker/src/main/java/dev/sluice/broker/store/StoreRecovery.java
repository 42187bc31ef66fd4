package dev.sluice.broker.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.broker.store.segment.SegmentLog.Damage;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.proto.v1.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the segment store from what the log's recovery hands on, in log order.
 *
 * <p>Every append ends with a batch end (the runner session's progress, the batch's record
 * count and the account's last sequence number). Records wait for it: a batch whose end is not
 * on disk at the very end of the log is a write a crash tore, never acknowledged, and the
 * runner sends it again, so it is dropped whole ({@link #torn()}). Damage in the middle of the
 * log is different: the records before it are kept even when their batch end was among the
 * damaged bytes, and so is everything after it.
 *
 * <p>An account's records are in the log in sequence order, so the sequence numbers a damaged
 * range destroyed show as a hole between the account's records (or up to a batch end's last
 * sequence) around it: those are reported {@link #lost()}. When damage hit an account's newest
 * records and nothing of the account follows, only an upper bound is known (the most entries
 * the damaged bytes could hold); the account's sequence moves past it, so no number a reader
 * may have seen is handed out again, and those numbers are kept ({@link ReservedNumbers}), so
 * that once the account writes again they stay "may have been lost".
 *
 * <p>Damage in the last segment may be a write a crash tore out of order (a later block
 * written, an earlier one not): the batches after it may never have been acknowledged, so
 * their ends do not move their runner sessions on. A runner then sends again what it still
 * holds, and a batch that was stored but not acknowledged is stored twice rather than lost.
 */
final class StoreRecovery implements SegmentLog.RecoveryListener {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRecovery.class);
  /** The smallest entry on disk: a frame header and a body of type, account and a field. */
  private static final int MIN_ENTRY = 14;

  /** Where recovered state goes. */
  interface Target {
    /** A record whose batch is kept, in log order; returns false if it was a repeat. */
    boolean commit(String account, StoredRecord record, Position position);

    /** A runner session got this far. */
    void session(String account, String session, long clientSeq);

    /** Damage here: no index block may span it. */
    void seal();
  }

  /** A record found by recovery whose batch end has not been seen yet. */
  record Uncommitted(String account, StoredRecord record, Position position) {}

  /** What recovery knows of one account's sequence so far. */
  private static final class Progress {
    long lastSeq; // highest sequence seen
    int damagesAt; // damaged ranges seen before it
    long boundAt; // the bound on lost entries when it was seen
  }

  private final Target target;
  private final List<Uncommitted> uncommitted = new ArrayList<>();
  private final Map<String, Progress> progress = new HashMap<>();
  private final Map<String, List<Lost>> lost = new HashMap<>();
  private final Map<String, List<Lost>> reserved;
  private final List<Damage> damage = new ArrayList<>();
  private long committed;
  private long bound; // most entries all damaged ranges so far could have held
  private boolean holdSessions; // damage in the last segment came before

  /**
   * @param floors each account's sequence floor: what retention already deleted
   * @param reserved numbers earlier recoveries set aside ({@link ReservedNumbers})
   */
  StoreRecovery(Target target, Map<String, Long> floors, Map<String, List<Lost>> reserved) {
    this.target = target;
    this.reserved = reserved;
    floors.forEach((account, floor) -> progress(account).lastSeq = floor);
  }

  @Override
  public void entry(SegmentLog.Entry entry) {
    ByteBuffer body = ByteBuffer.wrap(entry.body());
    byte type = body.get();
    String account = string(body);
    if (type == SegmentStore.RECORD) {
      byte[] bytes = new byte[body.remaining()];
      body.get(bytes);
      try {
        Record wire = Record.parseFrom(bytes);
        uncommitted.add(new Uncommitted(account, new StoredRecord(wire.getSeq(), wire, bytes),
            entry.position()));
        seen(account, wire.getSeq() - 1, wire.getSeq());
      } catch (InvalidProtocolBufferException e) {
        LOG.error("recovery: a record of account {} at {} does not parse; skipped", account,
            entry.position());
      }
    } else if (type == SegmentStore.SESSION) {
      batchEnd(account, body, entry.position());
    }
  }

  private void batchEnd(String account, ByteBuffer body, Position position) {
    String session = string(body);
    long clientSeq = body.getLong();
    // Its last `count` records are committed (older logs have no count, nor a last sequence).
    int count = body.remaining() >= 4 ? body.getInt() : uncommitted.size();
    long last = body.remaining() >= 8 ? body.getLong() : -1;
    int orphans = uncommitted.size() - Math.min(count, uncommitted.size());
    if (orphans > 0) {
      LOG.warn("recovery: dropped {} records without their batch end before {}: a write torn "
          + "by an earlier crash that was not cut then (never acknowledged)", orphans, position);
    }
    commit(uncommitted.subList(orphans, uncommitted.size()));
    if (last >= 0) {
      seen(account, last, last);
    }
    if (!session.isEmpty() && !holdSessions) {
      target.session(account, session, clientSeq);
    }
  }

  @Override
  public void damage(Damage d) {
    // Whatever came before the damage is kept, though its batch end may be among the damaged
    // bytes: it was written before data that is on disk after it.
    commit(uncommitted);
    target.seal();
    damage.add(d);
    bound += d.frames() > 0 ? d.frames() : (d.bytes() + MIN_ENTRY - 1) / MIN_ENTRY;
    holdSessions |= d.lastSegment();
  }

  private void commit(List<Uncommitted> records) {
    for (Uncommitted u : records) {
      if (target.commit(u.account(), u.record(), u.position())) {
        committed++;
      }
    }
    records.clear();
  }

  /**
   * The account's records are known through {@code through} ({@code seen} itself is on disk):
   * if damage came since the account's last record, the numbers between were lost there.
   */
  private void seen(String account, long through, long seen) {
    Progress p = progress(account);
    if (damage.size() > p.damagesAt && through > p.lastSeq) {
      hole(account, p.lastSeq + 1, through);
    }
    p.lastSeq = Math.max(p.lastSeq, seen);
    p.damagesAt = damage.size();
    p.boundAt = bound;
  }

  /**
   * Numbers {@code from..to} are missing where damage lies: lost, except those an earlier
   * recovery set aside, which may never have been used.
   */
  private void hole(String account, long from, long to) {
    long at = from;
    for (Lost r : reserved.getOrDefault(account, List.of())) {
      if (r.last() < at || r.first() > to) {
        continue;
      }
      if (r.first() > at) {
        addLost(account, new Lost(at, r.first() - 1, true));
      }
      long end = Math.min(to, r.last());
      addLost(account, new Lost(Math.max(at, r.first()), end, false));
      at = end + 1;
    }
    if (at <= to) {
      addLost(account, new Lost(at, to, true));
    }
  }

  private Progress progress(String account) {
    return progress.computeIfAbsent(account, a -> new Progress());
  }

  private void addLost(String account, Lost range) {
    lost.computeIfAbsent(account, a -> new ArrayList<>()).add(range);
  }

  /** Records committed so far. */
  long committed() {
    return committed;
  }

  /**
   * The records after the last batch end: a batch whose write a crash tore, to be dropped.
   * Call once the log is read.
   */
  List<Uncommitted> torn() {
    return uncommitted;
  }

  /**
   * Each account's lost sequence numbers, oldest first, once the log is read. Accounts whose
   * newest records may be among damaged bytes get an uncertain range up to the bound.
   */
  Map<String, List<Lost>> lost() {
    Map<String, List<Lost>> out = new HashMap<>();
    lost.forEach((account, ranges) -> out.put(account, new ArrayList<>(ranges)));
    progress.forEach((account, p) -> {
      if (bound > p.boundAt) {
        out.computeIfAbsent(account, a -> new ArrayList<>())
            .add(new Lost(p.lastSeq + 1, p.lastSeq + bound - p.boundAt, false));
      }
    });
    // Numbers set aside earlier that nothing here touched (the damage that made them is gone
    // with retention, say) stay set aside: a reader may still cross them.
    reserved.forEach((account, ranges) -> {
      List<Lost> ours = out.computeIfAbsent(account, a -> new ArrayList<>());
      for (Lost r : ranges) {
        if (ours.stream().noneMatch(l -> l.first() <= r.last() && r.first() <= l.last())) {
          ours.add(r);
        }
      }
    });
    out.values().removeIf(List::isEmpty);
    out.values().forEach(ranges -> ranges.sort(java.util.Comparator.comparingLong(Lost::first)));
    return out;
  }

  /** The most entries all damaged ranges could have held: a new account's numbers start past it. */
  long bound() {
    return bound;
  }

  /** True if batch ends after damage in the last segment did not move their sessions on. */
  boolean heldSessions() {
    return holdSessions;
  }

  /** The damaged ranges, in log order. */
  List<Damage> damage() {
    return damage;
  }

  static String string(ByteBuffer body) {
    byte[] bytes = new byte[body.getShort() & 0xffff];
    body.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
