package dev.sluice.client.run;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads one of the child's output streams to its end on a thread of its own, as fast as the
 * child writes (the runner's log never blocks: its buffer is bounded), and hands each line to
 * the runner. {@link #settle} lets a control command wait until what the child wrote before it
 * is taken, so a request starts after the lines printed before its start.
 */
final class Pump implements Runnable {
  private static final int CHUNK = 64 * 1024;
  // After a short read, let output gather for this long before the next: a child that writes
  // a line per call (Python unbuffered) would otherwise cost a wake-up of this thread and of
  // the child per line, which made both about three times slower. The pipe holds 64 KiB
  // meanwhile, so the child goes on; a line waits at most this long.
  private static final long GATHER_NANOS = 100_000;
  private static final int SHORT_READ = 4 * 1024;
  // How long a read must stay blocked to show that the pipe had nothing for it.
  private static final long STILL_MILLIS = 2;

  private final InputStream in;
  private final OutputStream tee; // null: the output goes to the broker only
  private final Stream stream;
  private final Consumer<LogEntry> sink;
  private final Object lock = new Object();
  private final Thread thread;
  private boolean waiting; // in a read, with everything read before it handed on
  private long readStarted; // System.nanoTime() when the latest read began
  private long shortReadStarted; // the latest read that took all there was, fed
  private long reads; // reads that returned
  private boolean ended;

  Pump(InputStream in, Stream stream, Consumer<LogEntry> sink, OutputStream tee) {
    this.in = in;
    this.tee = tee;
    this.stream = stream;
    this.sink = sink;
    this.shortReadStarted = System.nanoTime(); // before any command's `since`
    this.thread = new Thread(this, "sluice-run-" + stream.name().toLowerCase());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    OutputLines lines = new OutputLines(this::send);
    byte[] chunk = new byte[CHUNK];
    try {
      while (true) {
        long started = System.nanoTime();
        synchronized (lock) {
          waiting = true;
          readStarted = started;
          lock.notifyAll();
        }
        int n = in.read(chunk);
        synchronized (lock) {
          waiting = false;
          reads++;
        }
        if (n < 0) {
          break;
        }
        if (tee != null) {
          tee.write(chunk, 0, n);
          tee.flush();
        }
        lines.feed(chunk, 0, n);
        if (n < CHUNK) {
          synchronized (lock) {
            shortReadStarted = started;
            lock.notifyAll();
          }
        }
        if (n < SHORT_READ) {
          LockSupport.parkNanos(GATHER_NANOS);
        }
      }
    } catch (IOException e) {
      // The pipe broke: what was read is sent; the child's end is what ends the run.
    } finally {
      lines.finish();
      synchronized (lock) {
        ended = true;
        lock.notifyAll();
      }
    }
  }

  /** One line to the runner; nothing here may stop the reading (the child would block). */
  private void send(String line) {
    LogEntry entry;
    try {
      entry = LineParser.parse(line, stream, 0);
    } catch (RuntimeException e) {
      entry = LogEntry.of(stream == Stream.STDERR ? Level.ERROR : Level.INFO, stream, line);
    }
    try {
      sink.accept(entry);
    } catch (RuntimeException e) {
      // Not expected (the spool hands on or counts everything); the reading must go on.
    }
  }

  /**
   * Waits (at most {@code millis}) until what the child wrote to this stream before
   * {@code since} (a {@link System#nanoTime}) is handed to the runner. Either a read that
   * began after {@code since} came back short (it took all there was) and is fed; or the pump
   * has sat in one read for {@value #STILL_MILLIS} ms without it returning: nothing was there to
   * take. (Output written before {@code since} wakes a blocked read at once; the pump thread
   * may wait for a CPU a while, hence the milliseconds.) The child must have flushed its output
   * before the control call, as for any ordering of two channels.
   */
  void settle(long since, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lock) {
      while (!ended && System.nanoTime() - deadline < 0) {
        if (shortReadStarted - since >= 0) {
          return;
        }
        if (waiting) {
          long read = reads;
          long began = readStarted;
          lock.wait(STILL_MILLIS);
          if (waiting && reads == read && readStarted == began) {
            return;
          }
        } else {
          lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
      }
    }
  }

  /** Waits for the end of the child's stream (the child exited and its pipe is drained). */
  boolean join(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }
}
