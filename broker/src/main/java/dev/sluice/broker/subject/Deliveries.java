package dev.sluice.broker.subject;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Each value's items, in the order the values first matched. A handful of values is the
 * common case (a few tails, a drain), so they sit in a short array compared by identity:
 * an identity hash map would ask the JVM for each subscriber's identity hash, which is slow
 * for objects whose monitor is in use, as a subscriber's is.
 */
final class Deliveries<T, E> {
  static final int SMALL = 8;
  private final Object[] values = new Object[SMALL];
  private final List<?>[] lists = new List<?>[SMALL];
  private final int expected;
  private int n;
  private Map<T, List<E>> more; // beyond SMALL values

  Deliveries(int expected) {
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
