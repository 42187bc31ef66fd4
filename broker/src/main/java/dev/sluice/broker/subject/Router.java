package dev.sluice.broker.subject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntFunction;

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

  /**
   * In front of the cache: the last match of each of 65,536 slots (about 512 KiB with the
   * hashes), found by the subject's own (cached) hash and compared by reference first. A store
   * publishes the same
   * subject instances over and over (one per open request), and this answers them without
   * the cache's key, hash table and bookkeeping. Entries are immutable, so a racy read sees a
   * whole one or an older one; both are checked like any cached match. An entry stays until
   * its slot is taken again, so it may keep a closed subscriber reachable for a while: at
   * most one match list per slot.
   */
  private static final int RECENT_SLOTS = 1 << 16;

  private record Recent<T>(String account, String subject, Match<T> match) {}

  private final Object[] recent = new Object[RECENT_SLOTS];
  private final int[] hashes = new int[RECENT_SLOTS]; // recent[i]'s hash: a mismatch reads no entry
  private int collisions; // racy on purpose: it only spreads replacements out
  private int misses; // racy too: it only paces the check below
  private boolean front = true; // off while there are far more subjects than slots; racy too

  private record Match<T>(long accountGeneration, Generation app, long appGeneration,
      List<T> values) {
    boolean isCurrent(AccountRoutes<?> routes) {
      return accountGeneration == routes.generation && appGeneration == app.value;
    }
  }

  /**
   * A match as a key: the same app counter and the same values, by identity (a subscriber's
   * own equals, if it has one, is not what routing means). Generations need no comparing:
   * {@link AccountRoutes#shared} is emptied at every change, so all it holds are current.
   */
  private static final class Shape {
    private final Match<?> match;
    private final int hash;

    Shape(Match<?> match) {
      this.match = match;
      int h = System.identityHashCode(match.app());
      for (Object value : match.values()) {
        h = h * 31 + System.identityHashCode(value);
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Shape other) || other.hash != hash || other.match.app() != match.app()) {
        return false;
      }
      List<?> a = match.values();
      List<?> b = other.match.values();
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0, n = a.size(); i < n; i++) {
        if (a.get(i) != b.get(i)) {
          return false;
        }
      }
      return true;
    }
  }

  /** A counter bumped under the account's lock; volatile so that a cache hit needs no lock. */
  private static final class Generation {
    volatile long value;
  }

  private static final class AccountRoutes<T> {
    private static final int SHARED_MAX = 4096;

    final SubjectTrie<T> trie = new SubjectTrie<>();
    // Bumped by filters that start with a wildcard; written only under the lock.
    volatile long generation;
    final ConcurrentHashMap<String, Generation> apps = new ConcurrentHashMap<>();
    // The matches made since the last change, by what they hold; under the lock. Thousands of
    // subjects (one per open request) match the same few subscribers, and when they share one
    // match (and its list), publishing a batch reads a few objects that stay in the CPU's
    // cache instead of two per request (two cache misses per record at 6,400 requests).
    private final Map<Shape, Match<T>> shared = new HashMap<>();

    /** {@code fresh}, or an equal match made before it since the last change. */
    Match<T> share(Match<T> fresh) {
      Shape shape = new Shape(fresh);
      Match<T> known = shared.get(shape);
      if (known != null) {
        return known;
      }
      if (shared.size() >= SHARED_MAX) {
        shared.clear(); // many different subscriber sets: sharing saves little, memory bounded
      }
      shared.put(shape, fresh);
      return fresh;
    }

    void changed(SubjectFilter filter) {
      shared.clear(); // none of them is current any more (and they would keep old subscribers)
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

  /**
   * Where the owner of a subject keeps that subject's last match: ingest holds one per open
   * request and hands it on beside each record ({@link Routed}), so publishing a record of a known request
   * is a field read and two generation checks instead of a lookup by the subject's string
   * (with thousands of requests, each lookup was a few memory stalls). A memo answers only for
   * the subject and account it was made for, and only while its match is current. Racy on
   * purpose: a match is immutable, so a reader sees a whole one or an older one, both checked.
   */
  public static final class Memo {
    private final String account;
    private final String subject;
    private Object match;

    public Memo(String account, String subject) {
      this.account = java.util.Objects.requireNonNull(account, "account");
      this.subject = java.util.Objects.requireNonNull(subject, "subject");
    }
  }

  /** Something on its way to {@link #publish} that knows its subject's {@link Memo}. */
  public interface Routed {
    /** The memo of this item's subject, or null. */
    Memo routeMemo();
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
    return routes == null ? List.of() : find(routes, account, subject).values();
  }

  private Match<T> find(AccountRoutes<T> routes, String account, String subject) {
    if (!front) {
      return matchCached(routes, account, subject, -1, 0, null);
    }
    int hash = subject.hashCode() * 31 + account.hashCode();
    int slot = (hash ^ (hash >>> 16)) & (RECENT_SLOTS - 1);
    @SuppressWarnings("unchecked")
    Recent<T> last = (Recent<T>) recent[slot];
    // The hash first: another subject in the slot is told apart without reading its entry.
    if (last != null && hashes[slot] == hash
        && (last.subject == subject || last.subject.equals(subject))
        && last.account.equals(account) && last.match.isCurrent(routes)) {
      return last.match;
    }
    return matchCached(routes, account, subject, slot, hash, last);
  }

  private Match<T> matchCached(AccountRoutes<T> routes, String account, String subject, int slot,
      int hash, Recent<T> last) {
    if ((++misses & 1023) == 0) {
      // Beyond a quarter of the slots in live subjects, the front would mostly miss, and each
      // miss costs more than it saves (at 100,000 subjects it halved the match rate).
      front = cache.estimatedSize() <= RECENT_SLOTS / 4;
    }
    Key key = new Key(account, subject);
    Match<T> cached = cache.getIfPresent(key);
    if (cached != null && cached.isCurrent(routes)) {
      remember(slot, hash, last, new Recent<>(account, subject, cached));
      return cached;
    }
    Match<T> fresh;
    synchronized (routes) {
      String[] tokens = SubjectFilter.split(subject);
      Generation app = routes.apps.computeIfAbsent(tokens[0], a -> new Generation());
      Set<T> found = new LinkedHashSet<>();
      routes.trie.match(tokens, found);
      fresh = routes.share(new Match<>(routes.generation, app, app.value, List.copyOf(found)));
    }
    cache.put(key, fresh);
    remember(slot, hash, last, new Recent<>(account, subject, fresh));
    return fresh;
  }

  /**
   * Takes a slot that is free or this subject's, and one taken by another subject only now
   * and then: with more live subjects than slots, replacing on every collision would make each lookup
   * a miss that also allocates (three times slower than the cache alone at 100,000 subjects).
   */
  private void remember(int slot, int hash, Recent<T> last, Recent<T> entry) {
    if (slot < 0) {
      return; // the front is off
    }
    // The same hash is this subject's stale entry; another subject's is not even read.
    if (last == null || hashes[slot] == hash || (++collisions & 15) == 0) {
      recent[slot] = entry;
      hashes[slot] = hash;
    }
  }

  /**
   * Fans {@code items} out: every value receives, in order, the items whose subject it
   * matches, in one call per value. Consecutive items with the same subject share one lookup.
   */
  public <E> void publish(String account, List<E> items, Function<E, String> subjectOf,
      BiConsumer<T, List<E>> deliver) {
    publish(account, items, subjectOf, i -> null, deliver);
  }

  /**
   * {@link #publish(String, List, Function, BiConsumer)} for items whose subject's
   * {@link Memo} is known ({@code memoAt} gives the memo of the item at an index, or null): a
   * current match remembered there is used without any lookup. The memo travels beside the
   * items, not in them, so a store's records need not know of routing.
   */
  public <E> void publish(String account, List<E> items, Function<E, String> subjectOf,
      IntFunction<Memo> memoAt, BiConsumer<T, List<E>> deliver) {
    AccountRoutes<T> routes = accounts.get(account); // once per batch, not per subject
    if (routes == null || items.isEmpty()) {
      return;
    }
    int count = items.size();
    Deliveries<T, E> fanout = null;
    // Many subscribers with one match (an account with thousands of tails; subjects whose
    // matches hold the same subscribers share one): each gets the same list, with nothing
    // kept per subscriber and item. Kept while every matched item has that match.
    List<T> only = null;
    List<E> shared = null;
    String lastSubject = null;
    List<T> lastMatch = List.of();
    for (int i = 0; i < count; i++) {
      E item = items.get(i);
      String subject = subjectOf.apply(item);
      Memo memo = memoAt.apply(i);
      // With a memo, only the same instance counts as the same subject: comparing the strings
      // would read both, which the memo is there to avoid.
      if (subject != lastSubject && (memo != null || !subject.equals(lastSubject))) {
        lastSubject = subject;
        lastMatch = match(routes, account, subject, memo);
      }
      if (lastMatch.isEmpty()) {
        continue;
      }
      if (shared != null) {
        if (lastMatch == only) {
          shared.add(item);
          continue;
        }
        fanout = new Deliveries<>(count); // another match: each value's own list after all
        for (E earlier : shared) {
          for (int j = 0, n = only.size(); j < n; j++) {
            fanout.add(only.get(j), earlier);
          }
        }
        shared = null;
      } else if (fanout == null && lastMatch.size() > Deliveries.SMALL) {
        only = lastMatch;
        shared = new ArrayList<>(count - i);
        shared.add(item);
        continue;
      }
      if (fanout == null) {
        fanout = new Deliveries<>(count);
      }
      for (int j = 0, n = lastMatch.size(); j < n; j++) {
        fanout.add(lastMatch.get(j), item);
      }
    }
    if (shared != null) {
      List<E> list = Collections.unmodifiableList(shared);
      for (int j = 0, n = only.size(); j < n; j++) {
        deliver.accept(only.get(j), list);
      }
    } else if (fanout != null) {
      fanout.deliver(deliver);
    }
  }

  private List<T> match(AccountRoutes<T> routes, String account, String subject, Memo memo) {
    if (memo == null || memo.subject != subject || !memo.account.equals(account)) {
      return find(routes, account, subject).values();
    }
    @SuppressWarnings("unchecked")
    Match<T> known = (Match<T>) memo.match;
    if (known == null || !known.isCurrent(routes)) {
      known = find(routes, account, subject);
      memo.match = known;
    }
    return known.values();
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
