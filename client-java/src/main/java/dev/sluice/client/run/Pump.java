package dev.sluice.client.run;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Stream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
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

  private final InputStream in;
  private final OutputStream tee; // null: the output goes to the broker only
  private final Stream stream;
  private final SluiceRunner runner;
  private final Object lock = new Object();
  private final Thread thread;
  private boolean waiting; // in a read, with everything read before it handed on
  private long waitingSince; // System.nanoTime() when that read began
  private long reads; // reads that returned
  private boolean ended;

  Pump(InputStream in, Stream stream, SluiceRunner runner, OutputStream tee) {
    this.in = in;
    this.tee = tee;
    this.stream = stream;
    this.runner = runner;
    this.thread = new Thread(this, "sluice-run-" + stream.name().toLowerCase());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    OutputLines lines = new OutputLines(line -> runner.log(LineParser.parse(line, stream, 0)));
    byte[] chunk = new byte[CHUNK];
    try {
      while (true) {
        synchronized (lock) {
          waiting = true;
          waitingSince = System.nanoTime();
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

  /**
   * Waits (at most {@code millis}) until what the child wrote to this stream before
   * {@code since} (a {@link System#nanoTime}) is handed to the runner: the pump is in a read
   * that began after it had handed on everything before, and that read found the pipe empty.
   * A read blocked since before {@code since} proves it at once; a read begun later, by
   * staying blocked for a millisecond (one that finds output returns in microseconds). The
   * child must have flushed its output before the control call, as for any ordering of two
   * channels.
   */
  void settle(long since, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lock) {
      while (!ended && System.nanoTime() < deadline) {
        if (waiting && waitingSince - since <= 0) {
          return;
        }
        if (waiting) {
          long read = reads;
          lock.wait(1);
          if (waiting && reads == read) {
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
