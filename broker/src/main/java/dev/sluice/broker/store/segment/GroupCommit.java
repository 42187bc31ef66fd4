package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.SegmentLog.Durable;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment log's writer thread and the queue that hands appends to it. The thread takes
 * every append waiting, writes them with one write per segment, forces them as the
 * {@link FsyncPolicy} says and only then completes them, in log order; when the segment being
 * written is full it completes what is in it and moves on to a new one. The log keeps the list
 * of segment files; this keeps which one is being written.
 */
final class GroupCommit {
  // Logs as the segment log: what an operator reads names the log, not its parts.
  private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
  private static final byte[] NO_HEAD = new byte[0];

  private final SegmentLog log; // opens the next segment when one is full
  private final long segmentBytes;
  private final FsyncPolicy fsync;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final SegmentWriter appender; // the writer thread's
  private volatile boolean closed;
  private volatile SegmentFile active; // written by the writer thread, read by delete()
  private volatile boolean restartWriter;
  private volatile boolean written; // set once the writer wrote anything: no more tail cuts

  /** An append waiting to be written, then to be forced; it carries its positions between. */
  static final class Pending {
    final List<byte[]> heads; // null: entries are their bodies alone
    final List<byte[]> bodies;
    final Durable then;
    final CompletableFuture<List<Position>> done = new CompletableFuture<>();
    List<Position> positions;
    private boolean settled; // the writer thread's: each append completes exactly once

    Pending(List<byte[]> heads, List<byte[]> bodies, Durable then) {
      this.heads = heads;
      this.bodies = bodies;
      this.then = then;
    }

    byte[] head(int i) {
      return heads == null ? NO_HEAD : heads.get(i);
    }

    void succeed() {
      if (settled) {
        return;
      }
      settled = true;
      runThen(positions, null);
      done.complete(positions);
    }

    void fail(Throwable failure) {
      if (settled) {
        return;
      }
      settled = true;
      runThen(null, failure);
      done.completeExceptionally(failure);
    }

    private void runThen(List<Position> at, Throwable failure) {
      if (then == null) {
        return;
      }
      try {
        then.done(at, failure);
      } catch (RuntimeException e) {
        LOG.error("segment log: a completion callback failed", e);
      }
    }
  }

  /** Starts the writer thread, which writes to {@code active} first. */
  GroupCommit(SegmentLog log, SegmentFile active, SegmentWriter appender, FsyncPolicy fsync,
      long segmentBytes) {
    this.log = log;
    this.active = active;
    this.appender = appender;
    this.fsync = fsync;
    this.segmentBytes = segmentBytes;
    this.writer = new Thread(this::writeLoop, "sluice-segment-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** Hands {@code pending} to the writer thread, or fails it at once if the log is closed. */
  void enqueue(Pending pending) {
    // Checked and queued under the lock close() takes, so no append slips in after the writer
    // has drained the queue and left.
    synchronized (queue) {
      if (closed) {
        pending.fail(new IOException("segment log closed"));
      } else {
        queue.add(pending);
      }
    }
  }

  /** The segment being written. */
  SegmentFile active() {
    return active;
  }

  /** True once the writer wrote anything: the log's tail may no longer be cut. */
  boolean written() {
    return written;
  }

  /** The segment being written was cut: the writer re-reads its last block before it writes. */
  void restart() {
    restartWriter = true;
  }

  /** Lets the writer force and complete every pending append, and waits for it to leave. */
  void close() {
    synchronized (queue) {
      closed = true;
    }
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    List<Pending> group = new ArrayList<>();
    List<Pending> unforced = new ArrayList<>();
    long lastForce = System.nanoTime();
    while (!closed || !queue.isEmpty() || !unforced.isEmpty()) {
      try {
        long wait = unforced.isEmpty() ? 100_000_000L
            : Math.max(0, lastForce + fsync.interval().toNanos() - System.nanoTime());
        Pending first = queue.poll(wait, TimeUnit.NANOSECONDS);
        if (first != null) {
          group.add(first);
          queue.drainTo(group, 4_095);
          write(group, unforced);
          group.clear();
        }
        boolean due = System.nanoTime() - lastForce >= fsync.interval().toNanos();
        if (!unforced.isEmpty() && (due || closed)) {
          appender.force();
          lastForce = System.nanoTime();
          for (Pending p : unforced) {
            p.succeed();
          }
          unforced.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        LOG.error("segment log: write failed", e);
        try {
          // Cut back first: a runner told of the failure sends the lines again at once.
          appender.reset();
        } catch (IOException cut) {
          LOG.error("segment log: cutting the failed write back failed; writes fail until it "
              + "succeeds", cut);
        }
        unforced.forEach(p -> p.fail(e)); // in log order; each append completes once
        group.forEach(p -> p.fail(e));
        group.clear();
        unforced.clear();
      }
    }
    try {
      appender.leave(); // cuts the active segment back to its last frame
    } catch (IOException e) {
      LOG.warn("segment log: closing the active segment failed: {}", e.toString());
    }
  }

  /** Writes the group with one write per segment it touches. */
  private void write(List<Pending> group, List<Pending> unforced) throws IOException {
    written = true;
    if (appender.segment() != active || restartWriter) {
      restartWriter = false;
      appender.start(active); // the first write, or the segment was cut under us
    }
    for (Pending pending : group) {
      int bytes = 0;
      for (int i = 0; i < pending.bodies.size(); i++) {
        bytes += active.layout.header() + pending.head(i).length + pending.bodies.get(i).length;
      }
      if (appender.nextOffset() > active.layout.firstFrame()
          && appender.nextOffset() + bytes > segmentBytes) {
        // The old segment is complete and durable before we move on, and so is everything
        // in it: its appends complete now, whatever happens in the next segment.
        appender.flush();
        appender.force();
        unforced.forEach(Pending::succeed);
        unforced.clear();
        active = log.newSegment(active.id + 1);
        appender.start(active);
      }
      List<Position> positions = new ArrayList<>(pending.bodies.size());
      for (int i = 0; i < pending.bodies.size(); i++) {
        positions.add(new Position(active.id, appender.add(pending.head(i),
            pending.bodies.get(i))));
      }
      pending.positions = positions;
      unforced.add(pending);
    }
    appender.flush();
  }
}
