package dev.sluice.client.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.client.tail.SluiceSubscriber;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.client.tail.TailSubscription;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.BrokerProcess;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability promise, the hard way: a broker with the segment store, in its own JVM, is
 * killed with SIGKILL while several runners stream numbered lines, then started again on the
 * same port and data directory. The runners reconnect by themselves and resend what was not
 * acknowledged. Afterwards every line each runner logged is stored exactly once, in that
 * runner's order, and every record the broker had published before it died (it publishes only
 * what is on disk, so those were acknowledged) is there under the same sequence number.
 */
class KillNineRecoveryTest {
  private static final String APP = "durable";
  private static final int RUNNERS = 3;
  /**
   * Lines per runner, in four quarters: the first two before the kill (the second half waits
   * for it), the third while the broker is dead (the restart waits for it), the last after the
   * restart (it waits for that). 3 x 20,000 stays well inside what a tail can replay.
   */
  private static final int LINES = 20_000;
  /** Kill once the live tail has seen this many records of every runner. */
  private static final int SEEN_BEFORE_KILL = 2_000;
  /**
   * Each runner logs 2,500 lines a second, slower than a cold broker needs to show the first
   * records on a tail, so it is still streaming, with batches in flight, when it is killed.
   * Pacing only: no step of the test relies on it, the quarters above are latches.
   */
  private static final long LINE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1) / 2_500;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int SIGKILL_EXIT = 128 + 9;

  @Test
  void everyAcknowledgedRecordSurvivesKillNineExactlyOnceInOrder(@TempDir Path dataDir)
      throws Exception {
    try (Writers writers = new Writers();
        BrokerProcess first = BrokerProcess.start(dataDir, 0, "--store", "segment")) {
      int port = first.port();
      List<Record> seenBeforeKill = new ArrayList<>();
      try (SluiceSubscriber live = SluiceSubscriber.connect(first.target(), null);
          TailSubscription tail = live.tail(APP + ".>")) {
        writers.start(first.target());
        readUntilEveryRunnerHas(SEEN_BEFORE_KILL, tail, seenBeforeKill);
        int exit = first.kill();
        writers.killed.countDown();
        // kill -9, not a graceful stop: the JVM died of the signal and ran no shutdown hook.
        assertThat(exit).as("exit value of the killed broker").isEqualTo(SIGKILL_EXIT);
        assertThat(first.output()).noneMatch(l -> l.contains("shutting down"));
        readAvailable(tail, seenBeforeKill); // what the dead broker had already sent us
      }

      Awaitility.await().atMost(WAIT).until(() -> writers.allLogged(LINES * 3 / 4));
      try (BrokerProcess second = BrokerProcess.start(dataDir, port, "--store", "segment")) {
        writers.restarted.countDown();
        writers.awaitDoneAndFlushed();

        Map<Long, Record> stored = readBack(second);
        assertEveryLineOnceInOrder(stored);
        assertThat(seenBeforeKill).as("records published before the kill").allSatisfy(r ->
            assertThat(stored.get(r.getSeq())).as("record %d after the restart", r.getSeq())
                .isNotNull().extracting(Record::getMessage).isEqualTo(r.getMessage()));
      }
    }
  }

  /**
   * Reads until every runner has {@code n} records on the tail. The broker publishes a record
   * only once it is on disk, as it acknowledges it, so these were all acknowledged.
   */
  private static void readUntilEveryRunnerHas(int n, TailSubscription tail, List<Record> into)
      throws InterruptedException {
    int[] counts = new int[RUNNERS];
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (IntStream.of(counts).anyMatch(c -> c < n)) {
      TailEvent event = tail.poll(Duration.ofNanos(deadline - System.nanoTime()));
      assertThat(event).as("event after %d records", into.size()).isNotNull();
      if (event instanceof TailEvent.RecordEvent r) {
        into.add(r.record());
        counts[runnerIndex(r.record())]++;
      }
    }
  }

  /** Takes every record already received; the killed broker's end of the tail stops it. */
  private static void readAvailable(TailSubscription tail, List<Record> into)
      throws InterruptedException {
    try {
      for (TailEvent e = tail.poll(Duration.ZERO); e != null; e = tail.poll(Duration.ZERO)) {
        if (e instanceof TailEvent.RecordEvent r) {
          into.add(r.record());
        }
      }
    } catch (StatusRuntimeException e) {
      // UNAVAILABLE: the connection died with the broker; nothing more comes from it.
    }
  }

  /**
   * Reads every record of the app from the restarted broker (a replay of more records than
   * were written) up to a marker logged after everything else, so that a duplicate anywhere,
   * even at the very end, is among what was read.
   */
  private static Map<Long, Record> readBack(BrokerProcess broker) throws Exception {
    try (SluiceRunner marker = SluiceRunner.builder().target(broker.target()).app(APP)
        .runner("end").build()) {
      marker.info("end");
      assertThat(marker.flush(WAIT)).isTrue();
    }
    Map<Long, Record> bySeq = new HashMap<>();
    try (SluiceSubscriber subscriber = SluiceSubscriber.connect(broker.target(), null);
        TailSubscription tail = subscriber.tail(TailRequest.newBuilder().setFilter(APP + ".>")
            .setStart(StartPosition.newBuilder().setLastN(RUNNERS * LINES * 2)).build())) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        TailEvent event = tail.poll(Duration.ofNanos(deadline - System.nanoTime()));
        assertThat(event).as("event after %d records", bySeq.size())
            .isInstanceOf(TailEvent.RecordEvent.class); // null (timeout) or a notice fail
        Record record = ((TailEvent.RecordEvent) event).record();
        if (record.getLabels().getRunnerId().equals("end")) {
          return bySeq;
        }
        assertThat(bySeq.put(record.getSeq(), record)).as("seq %d twice", record.getSeq())
            .isNull();
      }
    }
  }

  private static void assertEveryLineOnceInOrder(Map<Long, Record> stored) {
    List<List<String>> byRunner = new ArrayList<>();
    IntStream.range(0, RUNNERS).forEach(i -> byRunner.add(new ArrayList<>(LINES)));
    stored.keySet().stream().sorted().map(stored::get)
        .forEach(r -> byRunner.get(runnerIndex(r)).add(r.getMessage()));
    for (int i = 0; i < RUNNERS; i++) {
      int runner = i;
      assertThat(byRunner.get(i)).as("lines of r%d in store order", i).containsExactlyElementsOf(
          IntStream.range(0, LINES).mapToObj(k -> "r" + runner + " " + k).toList());
    }
  }

  private static int runnerIndex(Record record) {
    return Integer.parseInt(record.getLabels().getRunnerId().substring(1));
  }

  /** The runners and the threads that log through them, quarter by quarter. */
  private static final class Writers implements AutoCloseable {
    final CountDownLatch killed = new CountDownLatch(1);
    final CountDownLatch restarted = new CountDownLatch(1);
    private final AtomicIntegerArray logged = new AtomicIntegerArray(RUNNERS);
    private final ExecutorService threads = Executors.newFixedThreadPool(RUNNERS);
    private final List<SluiceRunner> runners = new ArrayList<>();
    private final List<Future<?>> writing = new ArrayList<>();

    void start(String target) {
      for (int i = 0; i < RUNNERS; i++) {
        // A short close bound: after a failure the broker may be dead, and close would wait.
        SluiceRunner runner = SluiceRunner.builder().target(target).app(APP).runner("r" + i)
            .closeTimeout(Duration.ofSeconds(2)).build();
        runners.add(runner);
        int index = i;
        writing.add(threads.submit(() -> write(runner, index)));
      }
    }

    boolean allLogged(int n) {
      return IntStream.range(0, RUNNERS).allMatch(i -> logged.get(i) >= n);
    }

    /** Every line logged and acknowledged by the restarted broker, nothing dropped; closes. */
    void awaitDoneAndFlushed() throws Exception {
      for (Future<?> w : writing) {
        w.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      for (int i = 0; i < RUNNERS; i++) {
        assertThat(runners.get(i).flush(WAIT)).as("r%d acknowledged everything", i).isTrue();
        assertThat(runners.get(i).droppedCount()).as("lines r%d dropped", i).isZero();
        runners.get(i).close();
      }
    }

    /** Logs "r<i> <k>" for k = 0..LINES-1, each quarter after its latch. */
    private Void write(SluiceRunner runner, int i) throws InterruptedException {
      long start = System.nanoTime();
      for (int k = 0; k < LINES; k++) {
        if (k == LINES / 2) {
          await(killed, "the kill");
        } else if (k == LINES * 3 / 4) {
          await(restarted, "the restart");
        }
        long due = start + k * LINE_INTERVAL_NANOS;
        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
        runner.info("r" + i + " " + k);
        logged.incrementAndGet(i);
      }
      return null;
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
      if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("no " + what + " within " + WAIT);
      }
    }

    @Override
    public void close() {
      threads.shutdownNow();
      runners.forEach(SluiceRunner::close);
    }
  }
}
