package dev.sluice.broker.store;

import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.segment.SegmentLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment store's accounts by name, and the bookkeeping of their numbers that must outlive
 * a restart: each account's last sequence and how far retention deleted
 * ({@link SequenceCheckpoint}), and the numbers set aside because damage may have taken them
 * ({@link ReservedNumbers}), those of an account first seen after damage among them.
 */
final class Accounts {
  // Logs as the store: what an operator reads names the store, not its parts.
  private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);

  private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();
  private final int recent;
  private final RequestIndex requests;
  private final SequenceCheckpoint checkpoint;
  private final ReservedNumbers reserved;
  // After recovery found damage: the most entries it could have held. An account first seen
  // after that may have had them all (nothing else of it survived), so its numbers start past.
  private volatile long newAccountFloor;
  private volatile boolean opened;
  private Executor saver; // set before opened, which publishes it

  Accounts(Path dir, int recent, RequestIndex requests) {
    this.recent = recent;
    this.requests = requests;
    this.checkpoint = new SequenceCheckpoint(dir.resolve("sequences"));
    this.reserved = new ReservedNumbers(dir.resolve("reserved"));
  }

  /**
   * Sets each account's numbers as the checkpoint left them.
   *
   * @return each account's sequence floor: what retention already deleted
   */
  Map<String, Long> loadCheckpoint() throws IOException {
    Map<String, Long> floors = new HashMap<>();
    checkpoint.load().forEach((name, seqs) -> {
      Account a = account(name);
      a.assigned = seqs[0];
      a.index.purgedThrough(seqs[1]);
      floors.put(name, seqs[1]);
    });
    return floors;
  }

  /** The numbers earlier recoveries set aside. */
  Map<String, List<Lost>> loadReserved() throws IOException {
    return reserved.load();
  }

  /**
   * Recovery is done: accounts first seen from now on start past {@code floor}, and the
   * numbers set aside for them are saved on {@code saver}, off the calling event loop.
   */
  void open(long floor, Executor saver) {
    this.saver = saver;
    this.newAccountFloor = floor;
    this.opened = true;
  }

  /** The account, or null if it never wrote. */
  Account get(String name) {
    return accounts.get(name);
  }

  int size() {
    return accounts.size();
  }

  /** The account, made if it is new. */
  Account account(String name) {
    Account known = accounts.get(name);
    if (known != null) {
      return known;
    }
    boolean[] created = {false};
    Account a = accounts.computeIfAbsent(name, n -> {
      Account fresh = new Account(n, recent, requests);
      long floor = newAccountFloor;
      if (opened && floor > 0) {
        // Not yet shared: no lock needed. Readers that held numbers of it are told.
        fresh.assigned = floor;
        fresh.lost = List.of(new Lost(1, floor, false));
        created[0] = true;
      }
      return fresh;
    });
    if (created[0]) {
      // Kept off the calling event loop; until it is on disk, a restart would call the
      // numbers lost rather than set aside (no number is reused either way).
      saver.execute(this::saveReservedQuietly);
    }
    return a;
  }

  /** No index block may span this point: damage, or a crash, lies here. */
  void sealAll() {
    accounts.values().forEach(a -> a.index.seal());
  }

  /**
   * Keeps each account's lost sequence numbers for readers (GAP notices) and says which they
   * are; the account's sequence moves past them, so none is handed out again.
   */
  void reportLost(Map<String, List<Lost>> lost, List<SegmentLog.Damage> damage)
      throws IOException {
    boolean known = damage.stream().allMatch(SegmentLog.Damage::known);
    Map<String, List<Lost>> kept = new HashMap<>();
    lost.forEach((name, found) -> {
      Account a = account(name);
      long floor = a.index.purgedThrough(); // retention's: told as deleted, not as lost
      List<Lost> ranges = Account.above(found, floor);
      a.lost = ranges;
      kept.put(name, ranges);
      for (Lost range : ranges) {
        a.assigned = Math.max(a.assigned, range.last());
        if (known) {
          LOG.warn("recovery: account {}: {} (known damage)", name, range.describe());
        } else {
          LOG.error("recovery: account {}: {}; {} stored and acknowledged", name,
              range.describe(), !range.certain() ? "any that were had been"
                  : range.count() == 1 ? "it had been" : "they had been");
        }
      }
    });
    reserved.save(kept);
  }

  private void saveReservedQuietly() {
    Map<String, List<Lost>> lost = new HashMap<>();
    accounts.forEach((name, a) -> lost.put(name, a.lost));
    try {
      reserved.save(lost);
    } catch (IOException | RuntimeException e) {
      LOG.warn("store: keeping the numbers set aside for new accounts failed: {}", e.toString());
    }
  }

  /**
   * Retention is deleting segment {@code id}: every account's index forgets it, and numbers
   * lost to damage that went with it are told as deleted from now on.
   */
  void purge(long id) {
    for (Account a : accounts.values()) {
      synchronized (a) {
        a.index.purge(id);
        long floor = a.index.purgedThrough();
        // Deleted with their segment: a reader is told of them as of any deleted record.
        a.lost = Account.above(a.lost, floor);
      }
    }
  }

  /** Puts every account's last sequence and retention floor on disk. */
  void saveCheckpoint() throws IOException {
    checkpoint.save(snapshotSequences());
  }

  private Map<String, long[]> snapshotSequences() {
    Map<String, long[]> out = new HashMap<>();
    accounts.forEach((name, a) -> {
      synchronized (a) {
        out.put(name, new long[] {a.assigned, a.index.purgedThrough()});
      }
    });
    return out;
  }
}
