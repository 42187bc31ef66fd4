package dev.sluice.broker.subject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Routes subjects to the values (subscribers) whose filters match them, per account: every
 * account has its own trie, so nothing one account subscribes to can match another's subjects.
 *
 * <p>The hot path for a known subject is one cache lookup. Cached matches carry generations
 * that subscribe and unsubscribe bump, so stale entries are recomputed lazily instead of being
 * hunted down on every change. A filter whose first token is a literal app bumps only that
 * app's generation (it cannot match another app's subjects); a filter starting with a wildcard
 * bumps the account's. So a request view opening in one app leaves every other app's cached
 * matches warm. The cache is sized for
 * runner x request cardinality (nats-server's 1,024 entries are far too few for
 * {@code app.runner.request} subjects).
 *
 * <p>Thread-safe: matching runs on any event loop, changes come from any thread.
 */
public final class Router<T> {
  private final ConcurrentHashMap<String, AccountRoutes<T>> accounts = new ConcurrentHashMap<>();
  private final Cache<Key, Match<T>> cache;

  private record Key(String account, String subject) {}

  private record Match<T>(long accountGeneration, Generation app, long appGeneration,
      List<T> values) {
    boolean isCurrent(AccountRoutes<?> routes) {
      return accountGeneration == routes.generation && appGeneration == app.value;
    }
  }

  /** A counter bumped under the account's lock; volatile so that a cache hit needs no lock. */
  private static final class Generation {
    volatile long value;
  }

  private static final class AccountRoutes<T> {
    final SubjectTrie<T> trie = new SubjectTrie<>();
    // Bumped by filters that start with a wildcard; written only under the lock.
    volatile long generation;
    final ConcurrentHashMap<String, Generation> apps = new ConcurrentHashMap<>();

    void changed(SubjectFilter filter) {
      String first = filter.tokens().get(0);
      if (first.equals(SubjectFilter.ANY_ONE) || first.equals(SubjectFilter.ANY_REST)) {
        generation++;
      } else {
        apps.computeIfAbsent(first, a -> new Generation()).value++;
      }
    }
  }

  /** A subscription's handle; {@link #close()} removes it. Idempotent. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  public Router(int cacheSize) {
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** Registers {@code value} for subjects of {@code account} that match {@code filter}. */
  public Registration add(String account, SubjectFilter filter, T value) {
    AccountRoutes<T> routes = accounts.computeIfAbsent(account, a -> new AccountRoutes<>());
    synchronized (routes) {
      routes.trie.add(filter, value);
      routes.changed(filter);
    }
    return new Registration() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (routes) {
          if (closed) {
            return;
          }
          closed = true;
          routes.trie.remove(filter, value);
          routes.changed(filter);
        }
      }
    };
  }

  /** The values whose filters match {@code subject} in {@code account}; never null. */
  public List<T> match(String account, String subject) {
    AccountRoutes<T> routes = accounts.get(account);
    if (routes == null) {
      return List.of();
    }
    Key key = new Key(account, subject);
    Match<T> cached = cache.getIfPresent(key);
    if (cached != null && cached.isCurrent(routes)) {
      return cached.values();
    }
    Match<T> fresh;
    synchronized (routes) {
      String[] tokens = SubjectFilter.split(subject);
      Generation app = routes.apps.computeIfAbsent(tokens[0], a -> new Generation());
      Set<T> found = new LinkedHashSet<>();
      routes.trie.match(tokens, found);
      fresh = new Match<>(routes.generation, app, app.value, List.copyOf(found));
    }
    cache.put(key, fresh);
    return fresh.values();
  }

  /**
   * Fans {@code items} out: every value receives, in order, the items whose subject it
   * matches, in one call per value. Consecutive items with the same subject share one lookup.
   */
  public <E> void publish(String account, List<E> items, Function<E, String> subjectOf,
      BiConsumer<T, List<E>> deliver) {
    if (!accounts.containsKey(account) || items.isEmpty()) {
      return;
    }
    Fanout<T, E> fanout = new Fanout<>(items.size());
    String lastSubject = null;
    List<T> lastMatch = List.of();
    for (E item : items) {
      String subject = subjectOf.apply(item);
      if (!subject.equals(lastSubject)) {
        lastSubject = subject;
        lastMatch = match(account, subject);
      }
      for (int i = 0, n = lastMatch.size(); i < n; i++) {
        fanout.add(lastMatch.get(i), item);
      }
    }
    fanout.deliver(deliver);
  }

  /**
   * Each value's items, in the order the values first matched. A handful of values is the
   * common case (a few tails, a drain), so they sit in a short array compared by identity:
   * an identity hash map would ask the JVM for each subscriber's identity hash, which is slow
   * for objects whose monitor is in use, as a subscriber's is.
   */
  private static final class Fanout<T, E> {
    private static final int SMALL = 8;
    private final Object[] values = new Object[SMALL];
    private final List<?>[] lists = new List<?>[SMALL];
    private final int expected;
    private int n;
    private Map<T, List<E>> more; // beyond SMALL values

    Fanout(int expected) {
      this.expected = expected;
    }

    @SuppressWarnings("unchecked")
    void add(T value, E item) {
      for (int i = 0; i < n; i++) {
        if (values[i] == value) {
          ((List<E>) lists[i]).add(item);
          return;
        }
      }
      if (n < SMALL) {
        values[n] = value;
        List<E> list = new ArrayList<>(Math.min(expected, 1024));
        list.add(item);
        lists[n++] = list;
        return;
      }
      if (more == null) {
        more = new IdentityHashMap<>();
      }
      more.computeIfAbsent(value, v -> new ArrayList<>()).add(item);
    }

    @SuppressWarnings("unchecked")
    void deliver(BiConsumer<T, List<E>> deliver) {
      for (int i = 0; i < n; i++) {
        deliver.accept((T) values[i], (List<E>) lists[i]);
      }
      if (more != null) {
        more.forEach(deliver);
      }
    }
  }

  /** Filters registered in {@code account} (for metrics and tests). */
  public int size(String account) {
    AccountRoutes<T> routes = accounts.get(account);
    if (routes == null) {
      return 0;
    }
    synchronized (routes) {
      return routes.trie.size();
    }
  }
}
