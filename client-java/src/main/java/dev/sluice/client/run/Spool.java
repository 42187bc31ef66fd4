package dev.sluice.client.run;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.RequestEnd;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.proto.v1.RequestStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Everything {@code sluice run} captures passes here on its way to the runner, in order:
 * lines, request starts and request ends. While the runner has room, straight through. Once
 * the runner holds {@code highWater} items (the broker is slow or away), everything that comes
 * goes to {@link SpoolFiles} on disk instead, stamped with the time it was read; a drainer
 * thread hands the spool back to the runner, oldest first, as the runner's room returns, and
 * only when the spool is empty do new events go straight through again. So order, times and
 * request scoping survive the broker's absence, and the child is never held up by it.
 */
final class Spool implements AutoCloseable {
  /** What the spool hands its events to, in order. */
  interface Delivery {
    void line(LogEntry entry);

    void start(String requestId, String endpoint, String caller, long timeUnixNano);

    void end(String requestId, boolean failed, String message, long timeUnixNano);

    /** Items the runner holds now. */
    int pending();
  }

  /** Events the drainer hands on before it looks at the runner's room again. */
  private static final int SLICE = 256;
  private static final long WAIT_FOR_ROOM_MILLIS = 5;

  private final Delivery to;
  private final SpoolFiles files;
  private final int highWater;
  private final int checkEvery;
  private final Object lock = new Object();
  private final Thread drainer;
  private final ArrayDeque<IngestFrame> chunk = new ArrayDeque<>(); // the drainer's own
  private volatile boolean spooling; // written under `lock`
  private int sinceCheck; // racy between the pumps: a lost count only moves the next check
  // Guarded by `lock`.
  private boolean closed;
  private long chunkLines; // lines taken from disk and not handed on yet
  private boolean diskFailed;

  /**
   * @param to where events go
   * @param dir the spool's directory (made only if something is spooled; removed on close)
   * @param boundBytes most bytes the spool holds on disk
   * @param highWater items the runner may hold before events go to disk
   */
  Spool(Delivery to, Path dir, long boundBytes, int highWater) {
    this.to = to;
    this.files = new SpoolFiles(dir, boundBytes);
    this.highWater = Math.max(1, highWater);
    // Asking the runner costs its lock: ask every few lines, never so rarely that the runner
    // could fill up in between (it holds twice the high water).
    this.checkEvery = Math.max(1, Math.min(64, this.highWater / 4));
    this.drainer = new Thread(this::drain, "sluice-run-spool");
    this.drainer.setDaemon(true);
    this.drainer.start();
  }

  // The pumps' path: straight to the runner without the lock while nothing is spooled. Safe
  // because `spooling` turns false only once the drainer has handed on everything spooled,
  // and true only under the lock, before the first event goes to disk.
  void line(LogEntry entry) {
    if (!spooling && room()) {
      to.line(entry);
      return;
    }
    synchronized (lock) {
      spool(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().addLines(
          toLine(entry))).build());
    }
  }

  void start(String requestId, String endpoint, String caller) {
    event(IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setRequestId(requestId).setEndpoint(endpoint).setCaller(caller)
        .setTimeUnixNano(now())).build());
  }

  void end(String requestId, boolean failed, String message) {
    event(IngestFrame.newBuilder().setRequestEnd(RequestEnd.newBuilder()
        .setRequestId(requestId).setStatus(failed ? RequestStatus.REQUEST_ERROR
            : RequestStatus.REQUEST_OK).setStatusMessage(message).setTimeUnixNano(now()))
        .build());
  }

  /** A request event, as a line goes: straight on, or to disk (they are rare: a frame each). */
  private void event(IngestFrame frame) {
    if (!spooling && room()) {
      handOn(frame);
      return;
    }
    synchronized (lock) {
      spool(frame);
    }
  }

  /**
   * Waits until the spool is empty, everything handed to the runner; false if that took
   * longer than {@code timeout}.
   */
  boolean awaitEmpty(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (spooling) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /** Lines on disk or taken from it and not yet handed on. */
  long spooledLines() {
    synchronized (lock) {
      return files.lines() + chunkLines;
    }
  }

  /** Spooled lines that could not be read back (a damaged file). */
  long lostLines() {
    synchronized (lock) {
      return files.lostLines();
    }
  }

  /** Lines dropped from the spool to keep within its bound. */
  long droppedLines() {
    synchronized (lock) {
      return files.droppedLines();
    }
  }

  @Override
  public void close() throws InterruptedException {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    drainer.join(5_000);
    synchronized (lock) {
      try {
        files.close();
      } catch (java.io.UncheckedIOException e) {
        System.err.println("sluice run: " + e.getMessage()); // the run's result still stands
      }
    }
  }

  private boolean room() {
    int n = sinceCheck + 1;
    if (n < checkEvery) {
      sinceCheck = n;
      return true;
    }
    sinceCheck = 0;
    return to.pending() < highWater;
  }

  private void spool(IngestFrame frame) {
    if (diskFailed || closed) { // closed: a pump that outlived the end, the spool is gone
      hand(frame); // to the runner's memory: it drops the oldest and counts them when full
      return;
    }
    try {
      files.append(frame);
    } catch (java.io.UncheckedIOException e) {
      // A read-only or full disk: from now on events go to the runner, ahead of what is still
      // spooled (order given up rather than lines).
      diskFailed = true;
      System.err.println("sluice run: the spool cannot write (" + e.getMessage() + "): lines "
          + "wait in memory instead, from now on ahead of what is already spooled");
      hand(frame);
      return;
    }
    spooling = true;
    lock.notifyAll();
  }

  /** The drainer: hands the spool back, oldest first, as the runner has room. */
  private void drain() {
    try {
      while (true) {
        synchronized (lock) {
          while (!spooling && !closed) {
            lock.wait();
          }
          if (closed) {
            return;
          }
          if (chunk.isEmpty()) {
            SpoolFiles.Taken taken = files.takeOldest();
            List<IngestFrame> next = taken.frames();
            if (next.isEmpty()) {
              chunkLines = 0;
              spooling = false; // all handed on: events go straight through again
              sinceCheck = checkEvery; // and the next one asks the runner first
              lock.notifyAll();
              continue;
            }
            chunk.addAll(next);
            chunkLines = taken.lines(); // the child's: not the lines telling of drops
          }
        }
        // Outside the lock: the pumps only append to disk while spooling, so the order holds.
        int room = highWater - to.pending();
        if (room <= 0) {
          synchronized (lock) {
            lock.wait(WAIT_FOR_ROOM_MILLIS); // the runner drains as the broker acknowledges
          }
          continue;
        }
        for (int n = Math.min(room, SLICE); n > 0 && !chunk.isEmpty(); n--) {
          IngestFrame f = chunk.pollFirst();
          hand(f);
          if (f.hasBatch()) {
            synchronized (lock) {
              // At most two lines of a chunk are the spool's own (what was dropped, lost):
              // the count can run out a line or two early, never stay above zero.
              chunkLines = Math.max(0, chunkLines - 1);
            }
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void hand(IngestFrame f) {
    try {
      handOn(f);
    } catch (RuntimeException e) {
      // Not expected (each event was checked when it came); the rest must still go on.
      System.err.println("sluice run: an event was not handed on: " + e);
    }
  }

  private void handOn(IngestFrame f) {
    switch (f.getFrameCase()) {
      case BATCH -> to.line(fromLine(f.getBatch().getLines(0)));
      case REQUEST_START -> to.start(f.getRequestStart().getRequestId(),
          f.getRequestStart().getEndpoint(), f.getRequestStart().getCaller(),
          f.getRequestStart().getTimeUnixNano());
      case REQUEST_END -> to.end(f.getRequestEnd().getRequestId(),
          f.getRequestEnd().getStatus() == RequestStatus.REQUEST_ERROR,
          f.getRequestEnd().getStatusMessage(), f.getRequestEnd().getTimeUnixNano());
      default -> { } // the spool writes nothing else
    }
  }

  private static LogLine toLine(LogEntry e) {
    return LogLine.newBuilder().setTimeUnixNano(e.timeUnixNano() > 0 ? e.timeUnixNano() : now())
        .setLevel(e.level()).setStream(e.stream()).setMessage(e.message())
        .putAllFields(e.fields()).setRequestId(e.requestId()).setTraceId(e.traceId())
        .setSpanId(e.spanId()).build();
  }

  private static LogEntry fromLine(LogLine l) {
    return new LogEntry(l.getTimeUnixNano(), l.getLevel(), l.getStream(), l.getMessage(),
        l.getFieldsMap(), l.getRequestId(), l.getTraceId(), l.getSpanId());
  }

  private static long now() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
