package dev.sluice.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.subject.Router;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.broker.subject.SubjectFilter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The subject router's hot path, single-threaded: {@link Router#match} on a cache hit, on a
 * working set of distinct subjects that does or does not fit the match cache, under
 * subscription churn, and {@link Router#publish} of a 100-record batch.
 *
 * <p>Subscriptions, one account: per app ({@value #APPS} apps) a tail on {@code app-N.>} and
 * request views on {@code app-N.*.req-K} for 8 requests; tails on {@code *.runner-R.*} for 4
 * runners; and a {@code >} tail in a second account, which must never match. Subjects are
 * {@code app-N.runner-R.req-K}.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar RouterBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
public class RouterBenchmark extends QuickBenchmark {
  static final String ACCOUNT = "acct-1";
  static final int APPS = 4;
  static final int REQUESTS = 100;
  /** Matches per invocation of the churn benchmarks: one subscribe/unsubscribe per this many. */
  static final int CHURN_EVERY = 1_024;
  static final String KNOWN = "app-2.runner-3.req-40";

  /**
   * A router holding {@code set}: {@code mixed} is the set described above; {@code wildcards}
   * adds 1,000 wildcard-first filters ({@code *.*.req-q}, {@code *.runner-r.req-q} for every
   * request, and {@code *.runner-r.*} for 100 runners): every subject a cache miss looks up
   * then walks several wildcard branches of the trie.
   */
  static Router<Object> subscribedRouter(int cacheSize, String set) {
    Router<Object> router = subscribedRouter(cacheSize);
    if (set.equals("wildcards")) {
      for (int q = 0; q < REQUESTS; q++) {
        router.add(ACCOUNT, SubjectFilter.parse("*.*.req-" + q), "wild request " + q);
        for (int r = 0; r < 8; r++) {
          String filter = "*.runner-" + r + ".req-" + q;
          router.add(ACCOUNT, SubjectFilter.parse(filter), "wild " + filter);
        }
      }
      for (int r = 0; r < 100; r++) {
        router.add(ACCOUNT, SubjectFilter.parse("*.runner-" + r + ".*"), "wild runner " + r);
      }
    } else if (!set.equals("mixed")) {
      throw new IllegalArgumentException("set: '" + set + "' (expected: mixed, wildcards)");
    }
    return router;
  }

  /** A router holding the subscription set described above. */
  static Router<Object> subscribedRouter(int cacheSize) {
    Router<Object> router = new Router<>(cacheSize);
    for (int a = 0; a < APPS; a++) {
      router.add(ACCOUNT, SubjectFilter.parse("app-" + a + ".>"), "tail app-" + a);
      for (int k = 0; k < 8; k++) {
        String filter = "app-" + a + ".*.req-" + (k * 10);
        router.add(ACCOUNT, SubjectFilter.parse(filter), "view " + filter);
      }
    }
    for (int r = 0; r < 4; r++) {
      String filter = "*.runner-" + r + ".*";
      router.add(ACCOUNT, SubjectFilter.parse(filter), "tail " + filter);
    }
    router.add("acct-2", SubjectFilter.parse(">"), "other account");
    return router;
  }

  /**
   * {@code n} distinct subjects, {@value #APPS} apps x (n / 400) runners x {@value #REQUESTS}
   * requests, in a fixed shuffled order (runners interleave; no request arrives in order).
   */
  static String[] subjects(int n) {
    int runners = n / (APPS * REQUESTS);
    List<String> all = new ArrayList<>(n);
    for (int a = 0; a < APPS; a++) {
      for (int r = 0; r < runners; r++) {
        for (int q = 0; q < REQUESTS; q++) {
          all.add("app-" + a + ".runner-" + r + ".req-" + q);
        }
      }
    }
    if (all.size() != n) {
      throw new IllegalArgumentException("subjects: " + n + " (expected: a multiple of "
          + APPS * REQUESTS + ")");
    }
    Collections.shuffle(all, new Random(42));
    return all.toArray(new String[0]);
  }

  /** A known subject whose match is cached (the broker's default cache size). */
  @State(Scope.Thread)
  public static class Hit {
    Router<Object> router;
    Map<String, List<Object>> plainMap;
    String subject;

    @Setup
    public void setup() {
      router = subscribedRouter(BrokerConfig.DEFAULT_ROUTER_CACHE_SIZE);
      // A fresh String each time, as ingest builds it; equal but not identical to the key.
      subject = new String(KNOWN.toCharArray());
      List<Object> match = router.match(ACCOUNT, KNOWN);
      if (match.size() != 3) {
        throw new IllegalStateException("setup: " + KNOWN + " matched " + match
            + " (expected 3: app-2.>, app-2.*.req-40, *.runner-3.*)");
      }
      plainMap = new HashMap<>();
      plainMap.put(KNOWN, match);
    }
  }

  /** Round-robin over {@code subjects} distinct subjects with a cache of {@code cacheSize}. */
  @State(Scope.Thread)
  public static class Cycle {
    @Param({"6400", "100000"})
    int subjects;

    /** 1,024: nats-server's sublist cache; 262,144: the broker's default. */
    @Param({"1024", "262144"})
    int cacheSize;

    /** The subscriptions: the 37 mixed filters, or those plus 1,000 wildcard-first ones. */
    @Param({"mixed", "wildcards"})
    String set;

    Router<Object> router;
    String[] names;
    int next;

    @Setup
    public void setup() {
      router = subscribedRouter(cacheSize, set);
      names = subjects(subjects);
      for (int pass = 0; pass < 2; pass++) {
        for (String name : names) {
          router.match(ACCOUNT, name);
        }
      }
      System.out.printf("%n[cycle] %d subjects, cache %d: expected hit rate %.1f%%"
          + " (same access order replayed on an identical Caffeine cache)%n",
          subjects, cacheSize, 100 * CacheModel.hitRate(names, cacheSize));
    }

    String next() {
      String name = names[next];
      next = next + 1 == names.length ? 0 : next + 1;
      return name;
    }
  }

  /** 6,400 subjects, all cached (default cache), and one subscription that comes and goes. */
  @State(Scope.Thread)
  public static class Churn {
    Router<Object> router;
    String[] names;
    SubjectFilter churning;
    int next;

    @Setup
    public void setup() {
      router = subscribedRouter(BrokerConfig.DEFAULT_ROUTER_CACHE_SIZE);
      names = subjects(6_400);
      churning = SubjectFilter.parse("app-0.*.req-99");
      for (String name : names) {
        router.match(ACCOUNT, name);
      }
    }
  }

  /** 100 records as ingest hands them to the router. */
  @State(Scope.Thread)
  public static class Batch {
    Router<Object> router;
    List<Item> oneSubject;
    List<Item> tenSubjects;

    @Setup
    public void setup() {
      router = subscribedRouter(BrokerConfig.DEFAULT_ROUTER_CACHE_SIZE);
      oneSubject = new ArrayList<>();
      tenSubjects = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        oneSubject.add(new Item("app-1.runner-3.req-20", i));
        // Ten requests of one runner interleaved line by line: every item needs a lookup.
        tenSubjects.add(new Item("app-1.runner-3.req-" + (i % 10) * 10, i));
      }
    }
  }

  /** A stand-in for a stored record: the router only reads its subject. */
  record Item(String subject, int seq) {}

  /** Yardstick for this machine in this run: one HashMap lookup of the same subject. */
  @Benchmark
  public List<Object> baselineHashMapGet(Hit s) {
    return s.plainMap.get(s.subject);
  }

  /** (a) The hot path: a known subject, one cache hit. */
  @Benchmark
  public List<Object> matchHit(Hit s) {
    return s.router.match(ACCOUNT, s.subject);
  }

  /** (b)/(c) A working set of distinct subjects, cycled; misses walk the trie under a lock. */
  @Benchmark
  public void matchCycle(Cycle s, Blackhole bh) {
    bh.consume(s.router.match(ACCOUNT, s.next()));
  }

  /**
   * 6,400 cached subjects, but one subscribe + unsubscribe in the account every
   * {@value #CHURN_EVERY} matches (a tail opening, a request view closing). Compare with
   * {@link #matchCycle} at 6400 subjects and cache 262144.
   */
  @Benchmark
  @OperationsPerInvocation(CHURN_EVERY)
  public void matchUnderChurn(Churn s, Blackhole bh) {
    Registration registration = s.router.add(ACCOUNT, s.churning, "short-lived view");
    registration.close();
    for (int i = 0; i < CHURN_EVERY; i++) {
      bh.consume(s.router.match(ACCOUNT, s.names[s.next]));
      s.next = s.next + 1 == s.names.length ? 0 : s.next + 1;
    }
  }

  /** Fan-out of one 100-record batch from one request (one lookup, 3 subscribers). */
  @Benchmark
  public void publishBatchOneSubject(Batch s, Blackhole bh) {
    s.router.publish(ACCOUNT, s.oneSubject, Item::subject, (value, items) -> bh.consume(items));
  }

  /** Fan-out of one 100-record batch interleaving 10 requests (100 lookups, 2-3 each). */
  @Benchmark
  public void publishBatchTenSubjects(Batch s, Blackhole bh) {
    s.router.publish(ACCOUNT, s.tenSubjects, Item::subject, (value, items) -> bh.consume(items));
  }

  /**
   * What the store publishes at saturation in the load harness's 1-runner rows: batches of
   * 2,000 records cycling through 6,400 requests, each record of another request than the
   * one before (one lookup each), with and without the request's {@link Router.Memo}.
   */
  @Benchmark
  @OperationsPerInvocation(Requests.BATCH)
  public void publishRequestsBySubject(Requests s, Blackhole bh) {
    s.router.publish(ACCOUNT, s.nextBatch(), MemoItem::subject, (value, items) -> bh.consume(items));
  }

  @Benchmark
  @OperationsPerInvocation(Requests.BATCH)
  public void publishRequestsByMemo(Requests s, Blackhole bh) {
    List<MemoItem> batch = s.nextBatch();
    s.router.publish(ACCOUNT, batch, MemoItem::subject, i -> batch.get(i).memo(),
        (value, items) -> bh.consume(items));
  }

  /** 6,400 open requests, their records in batches as the store hands them on. */
  @State(Scope.Thread)
  public static class Requests {
    static final int BATCH = 2_000;
    Router<Object> router;
    List<List<MemoItem>> batches;
    int next;

    @Setup
    public void setup() {
      router = subscribedRouter(BrokerConfig.DEFAULT_ROUTER_CACHE_SIZE);
      String[] names = subjects(6_400);
      Router.Memo[] memos = new Router.Memo[names.length];
      for (int i = 0; i < names.length; i++) {
        memos[i] = new Router.Memo(ACCOUNT, names[i]);
      }
      batches = new ArrayList<>();
      int seq = 0;
      for (int b = 0; b < 16; b++) { // 32,000 records: every request five times
        List<MemoItem> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++, seq++) {
          int request = seq % names.length;
          batch.add(new MemoItem(names[request], seq, memos[request]));
        }
        batches.add(batch);
      }
    }

    List<MemoItem> nextBatch() {
      List<MemoItem> batch = batches.get(next);
      next = next + 1 == batches.size() ? 0 : next + 1;
      return batch;
    }
  }

  /** A stored record with its request's memo. */
  record MemoItem(String subject, int seq, Router.Memo memo) {}

  /** Replays an access order on a Caffeine cache built like the router's, to report hit rates. */
  static final class CacheModel {
    private CacheModel() {}

    static double hitRate(String[] order, int size) {
      Cache<String, Boolean> cache = Caffeine.newBuilder().maximumSize(size)
          .executor(Runnable::run).recordStats().build();
      CacheStats warm = null;
      for (int pass = 0; pass < 5; pass++) {
        if (pass == 2) {
          warm = cache.stats(); // steady state only: passes 3 to 5
        }
        for (String name : order) {
          if (cache.getIfPresent(name) == null) {
            cache.put(name, Boolean.TRUE);
          }
        }
      }
      return cache.stats().minus(warm).hitRate();
    }
  }
}
