package dev.sluice.broker.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.store.SegmentStore;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stored records are fanned out off the store's writer thread, each account in order. */
class PublishLanesTest {
  @TempDir
  Path dir;

  private Vertx vertx;
  private SegmentStore store;
  private PluginHost host;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    store = SegmentStore.open(dir, 1 << 20, FsyncPolicy.always(), 1000);
    host = new PluginHost(vertx, new PluginHost.Options(dir, 1024, List.of(), Set.of(),
        new Stats()), store);
    store.listen(host::publish);
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static List<Record> lines(String account, int from, int count) {
    List<Record> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(Record.newBuilder().setSubject("app.r1._").setMessage("line " + i)
          .setLabels(Labels.newBuilder().setAccount(account).setAppName("app").setRunnerId("r1")
              .setRequestId("_"))
          .build());
    }
    return out;
  }

  @Test
  void aStuckSubscriberHoldsOnlyItsOwnAccountsAppendsPastTheBacklog() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    host.subscribe(new ReadGrant("slow", Subjects.filter(">")), records -> {
      threads.add(Thread.currentThread().getName());
      entered.countDown();
      try {
        release.await(20, TimeUnit.SECONDS); // bounded: released below in every case
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      // Durable and queued on its lane: acknowledged without waiting for the subscriber.
      store.append("slow", "", 0, lines("slow", 0, 3)).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(entered.await(10, TimeUnit.SECONDS)).as("the slow subscriber got its records")
          .isTrue();
      // The lane holds its backlog; the append past it waits for its publishing, so a lane
      // that is stuck slows its own account down and its queue stays bounded.
      for (int i = 1; i < PublishLanes.BACKLOG; i++) {
        store.append("slow", "", 0, lines("slow", i * 3, 3)).toCompletionStage()
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      Future<List<StoredRecord>> held = store.append("slow", "", 0, lines("slow", 999, 3));
      // Another account's durable write goes on while that subscriber holds its lane. Before,
      // fan-out ran on the store's one writer thread, and this append waited for it.
      List<StoredRecord> other = store.append("other", "", 0, lines("other", 0, 3))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(other).hasSize(3);
      assertThat(held.isComplete()).as("past the lane's backlog").isFalse();
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(held::isComplete);
      assertThat(held.succeeded()).isTrue();
      assertThat(threads).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
    } finally {
      release.countDown();
    }
  }

  @Test
  void aHeldAppendWhoseListenerThrowsDoesNotStopItsLane() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    host.subscribe(new ReadGrant("acct", Subjects.filter(">")), records -> {
      try {
        release.await(20, TimeUnit.SECONDS); // bounded: released below in every case
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      records.forEach(r -> seen.add(r.seq()));
    });
    try {
      for (int i = 0; i < PublishLanes.BACKLOG; i++) {
        store.append("acct", "", 0, lines("acct", i, 1)).toCompletionStage()
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      // Past the backlog: completed by the lane, whose turn runs its listeners right there.
      Future<List<StoredRecord>> held = store.append("acct", "", 0, lines("acct", 99, 1));
      held.onComplete(ar -> {
        throw new IllegalStateException("a listener with a bug");
      });
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(held::isComplete);
      // The lane goes on publishing.
      store.append("acct", "", 0, lines("acct", 100, 1)).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == PublishLanes.BACKLOG + 2);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aBatchIsPublishedOnTheContextThatAppendedIt() throws Exception {
    // The runner's event loop, where its ack goes anyway: no second thread woken per batch.
    List<Context> seen = new CopyOnWriteArrayList<>();
    host.subscribe(new ReadGrant("acct", Subjects.filter(">")),
        records -> seen.add(Vertx.currentContext()));
    Context appender = vertx.getOrCreateContext();
    CompletableFuture<Context> completedOn = new CompletableFuture<>();
    appender.runOnContext(v -> store.append("acct", "", 0, lines("acct", 0, 3))
        .onComplete(ar -> completedOn.complete(Vertx.currentContext())));
    assertThat(completedOn.get(10, TimeUnit.SECONDS)).isSameAs(appender);
    await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
    assertThat(seen).containsExactly(appender);
  }

  @Test
  void aBatchIsPublishedOnTheContextOfTheAccountsNewestReaderWhileItReads() throws Exception {
    Context reader = vertx.getOrCreateContext();
    Context appender = vertx.getOrCreateContext();
    List<Context> seen = new CopyOnWriteArrayList<>();
    Subscriber subscriber = new Subscriber() {
      @Override
      public void onRecords(List<StoredRecord> records) {
        seen.add(Vertx.currentContext());
      }

      @Override
      public Context context() {
        return reader;
      }
    };
    var registration = host.subscribe(new ReadGrant("acct", Subjects.filter(">")), subscriber);
    appendOn(appender, 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
    assertThat(seen).containsExactly(reader);
    // Gone: its context is no longer the lane's; the appender's is again.
    List<Context> after = new CopyOnWriteArrayList<>();
    registration.close();
    host.subscribe(new ReadGrant("acct", Subjects.filter(">")),
        records -> after.add(Vertx.currentContext()));
    appendOn(appender, 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> !after.isEmpty());
    assertThat(after).containsExactly(appender);
  }

  private void appendOn(Context context, int from) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> store.append("acct", "", 0, lines("acct", from, 3))
        .onComplete(ar -> done.complete(null)));
    done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void eachAccountsRecordsArriveInSequenceOrderWhoeverAppends() throws Exception {
    List<Long> seen = new CopyOnWriteArrayList<>();
    host.subscribe(new ReadGrant("acct", Subjects.filter(">")),
        records -> records.forEach(r -> seen.add(r.seq())));
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int first = t * 1000;
      Thread writer = new Thread(() -> {
        for (int b = 0; b < 50; b++) {
          store.append("acct", "", 0, lines("acct", first + b * 5, 5));
        }
      });
      writers.add(writer);
      writer.start();
    }
    for (Thread writer : writers) {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 4 * 50 * 5);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i)).as("record %d", i).isEqualTo(i + 1L);
    }
  }
}
