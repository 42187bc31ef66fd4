package dev.sluice.broker.store;

import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.proto.SubjectSyntax;
import dev.sluice.proto.v1.Labels;
import java.util.ArrayList;
import java.util.List;

/**
 * One account's index over the segment log: its records in blocks of up to
 * {@value #BLOCK_RECORDS} consecutive sequence numbers, each block inside one segment, with
 * where it starts on disk, its time range and a Bloom filter of the (app, runner) and (app,
 * request) pairs in it. A read finds its first block by binary search on sequence, and skips
 * blocks whose time range or filter rule out what it wants: the indexes by time, runner and
 * request. About 600 bytes per block, so 0.6 bytes per record. Not thread-safe: the owner locks.
 */
final class BlockIndex {
  static final int BLOCK_RECORDS = 1024;
  private static final int BLOOM_WORDS = 64; // 4096 bits
  private static final int MAX_SKIPS = 16_384;

  /** A block's state when a read planned it; the reader scans without holding the lock. */
  record Snapshot(long segment, long offset, long firstSeq, long lastSeq) {}

  /** What to read: blocks in order; {@code skippedTo} is how far skipped blocks reached. */
  record Plan(List<Snapshot> blocks, long missing, long skippedTo) {}

  private static final class Block {
    final long segment;
    final long offset;
    final long firstSeq;
    long lastSeq;
    long minTime = Long.MAX_VALUE;
    long maxTime = Long.MIN_VALUE;
    int count;
    final long[] bloom = new long[BLOOM_WORDS];

    Block(Position position, long firstSeq) {
      this.segment = position.segment();
      this.offset = position.offset();
      this.firstSeq = firstSeq;
    }

    void addKey(int hash) {
      // Three bits from one hash (Kirsch-Mitzenmacher): enough for a few hundred keys a block.
      int h2 = Integer.rotateLeft(hash * 0x9E3779B9, 16) | 1;
      for (int i = 0; i < 3; i++) {
        int bit = (hash + i * h2) & (BLOOM_WORDS * 64 - 1);
        bloom[bit >>> 6] |= 1L << bit;
      }
    }

    boolean mayContain(int hash) {
      int h2 = Integer.rotateLeft(hash * 0x9E3779B9, 16) | 1;
      for (int i = 0; i < 3; i++) {
        int bit = (hash + i * h2) & (BLOOM_WORDS * 64 - 1);
        if ((bloom[bit >>> 6] & (1L << bit)) == 0) {
          return false;
        }
      }
      return true;
    }
  }

  private final ArrayList<Block> blocks = new ArrayList<>();
  private long purgedThrough;
  private boolean sealed;

  static int runnerKey(String app, String runner) {
    return app.hashCode() * 31 + runner.hashCode();
  }

  static int requestKey(String app, String request) {
    return (app.hashCode() * 31 + request.hashCode()) ^ 0x5BD1E995;
  }

  /**
   * The Bloom keys of a record with {@code labels}: its (app, runner) key in the high half,
   * its (app, request) key in the low half, 0 for none. Computed once per request
   * ({@link Draft#indexKeys()}): hashing the label strings of every record was a few
   * percent of the broker's writer at saturation, most of it cache misses on those strings.
   */
  static long keys(Labels labels) {
    String app = labels.getAppName();
    String request = labels.getRequestId();
    int requestKey = request.isEmpty() || request.equals(SubjectSyntax.NO_REQUEST) ? 0
        : requestKey(app, request);
    return (long) runnerKey(app, labels.getRunnerId()) << 32 | (requestKey & 0xffffffffL);
  }

  /** Indexes the stored record {@code seq} at {@code position}; call in sequence order. */
  void add(long seq, Position position, long time, long keys) {
    Block last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
    if (last == null || sealed || last.segment != position.segment()
        || last.count >= BLOCK_RECORDS) {
      last = new Block(position, seq);
      blocks.add(last);
      sealed = false;
    }
    last.lastSeq = seq;
    last.count++;
    last.minTime = Math.min(last.minTime, time);
    last.maxTime = Math.max(last.maxTime, time);
    last.addKey((int) (keys >>> 32));
    int requestKey = (int) keys;
    if (requestKey != 0) {
      // A request whose key is 0 is not in the filter; plan() then reads it without the hint.
      last.addKey(requestKey);
    }
  }

  /** The next record starts a new block (after recovery: no block spans a crash point). */
  void seal() {
    sealed = true;
  }

  /** First sequence still stored (records before it were deleted by retention). */
  long firstSeq() {
    return blocks.isEmpty() ? purgedThrough + 1 : blocks.get(0).firstSeq;
  }

  long purgedThrough() {
    return purgedThrough;
  }

  void purgedThrough(long seq) {
    purgedThrough = Math.max(purgedThrough, seq);
  }

  /** Drops the blocks of segments up to {@code segment} (deleted by retention). */
  void purge(long segment) {
    int n = 0;
    while (n < blocks.size() && blocks.get(n).segment <= segment) {
      purgedThrough = Math.max(purgedThrough, blocks.get(n).lastSeq);
      n++;
    }
    blocks.subList(0, n).clear();
  }

  /** Plans a read of up to {@code maxBlocks} blocks that may hold what {@code scan} wants. */
  Plan plan(Scan scan, int maxBlocks) {
    long from = scan.afterSeq() + 1;
    long first = firstSeq();
    // What retention deleted is missing; numbers between that and the first block were lost
    // to damage (or used up by failed appends): the store tells readers of those itself.
    long missing = Math.max(0, purgedThrough - scan.afterSeq());
    from = Math.max(from, first);
    int runnerKey = scan.app() != null && scan.runner() != null
        ? runnerKey(scan.app(), scan.runner()) : 0;
    // Lines outside any request ("_") are not in the filter: no request hint for them.
    int requestKey = scan.app() != null && scan.request() != null
        && !scan.request().equals(SubjectSyntax.NO_REQUEST) ? requestKey(scan.app(), scan.request()) : 0;
    List<Snapshot> out = new ArrayList<>(Math.min(maxBlocks, 8));
    long skippedTo = scan.afterSeq();
    int skips = 0;
    // Skips are bounded too: the caller holds the account's lock, which appends wait for.
    for (int i = find(from); i < blocks.size() && out.size() < maxBlocks && skips < MAX_SKIPS;
        i++) {
      Block b = blocks.get(i);
      if (b.lastSeq < from) {
        continue;
      }
      boolean timed = b.lastSeq <= scan.timeThroughSeq();
      boolean skip = timed && (b.maxTime < scan.fromNanos() || b.minTime >= scan.toNanos())
          || (runnerKey != 0 && !b.mayContain(runnerKey))
          || (requestKey != 0 && !b.mayContain(requestKey));
      if (skip && out.isEmpty()) {
        skippedTo = b.lastSeq; // only leading skips: examined must stay contiguous
        skips++;
      } else if (skip) {
        break;
      } else {
        out.add(new Snapshot(b.segment, b.offset, b.firstSeq, b.lastSeq));
      }
    }
    return new Plan(out, missing, skippedTo);
  }

  /** Index of the last block starting at or before {@code seq}, or 0. */
  private int find(long seq) {
    int lo = 0;
    int hi = blocks.size() - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (blocks.get(mid).firstSeq <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
