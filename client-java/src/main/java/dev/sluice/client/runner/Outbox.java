package dev.sluice.client.runner;

import dev.sluice.proto.v1.IngestFrame;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Everything the runner holds: frames not sent yet ({@code unsent}) and frames sent on the
 * current stream but not acknowledged ({@code inflight}). Each item carries its client
 * sequence number, assigned when it was logged, so a resend after a reconnect carries the same
 * numbers and the broker skips what it already stored.
 *
 * <p>Bounded by {@code capacity} items in total. When full, the oldest unsent line is dropped
 * and counted (the broker accepts the gap in sequence numbers); request events are dropped
 * only when no unsent line is left, and sent-but-unacked items never, because they may
 * already be on their way to the store.
 *
 * <p>Not thread-safe: {@link IngestLink} guards it with its lock.
 */
final class Outbox {
  /** One line or one request event, with its client sequence number. */
  record Item(long seq, byte[] line, IngestFrame event, long enqueuedNanos) {
    boolean isLine() {
      return line != null;
    }
  }

  /**
   * A frame in flight: its items, of which those from {@code from} on are not acknowledged.
   * Held per frame rather than per item, so sending and acknowledging a batch touch no
   * per-line queue (that was most of the sending thread's own time).
   */
  private static final class Sent {
    final Item[] items;
    final int count;
    final long lastSeq;
    int from;

    Sent(Item[] items, int count) {
      this.items = items;
      this.count = count;
      this.lastSeq = items[count - 1].seq();
    }
  }

  /** A batch's lines as the frame writes them, read off its items without a copy. */
  private static final class Lines extends AbstractList<byte[]> {
    private final Item[] items;
    private final int count;

    Lines(Item[] items, int count) {
      this.items = items;
      this.count = count;
    }

    @Override
    public byte[] get(int i) {
      return items[i].line();
    }

    @Override
    public int size() {
      return count;
    }
  }

  private final int capacity;
  private final ArrayDeque<Item> unsent = new ArrayDeque<>();
  private final ArrayDeque<Sent> inflight = new ArrayDeque<>();
  private int inflightItems;
  private long lastSeq;
  private long acked;
  private long dropped;

  Outbox(int capacity) {
    this.capacity = capacity;
  }

  /** Numbers and holds a line (its encoding as a LogBatch entry); returns its sequence number. */
  long addLine(byte[] line, long nowNanos) {
    return add(new Item(++lastSeq, line, null, nowNanos));
  }

  /**
   * {@link #addLine(byte[], long)} at the time it is logged; only the first unsent line reads
   * the clock: a later one takes that time, earlier than its own, so the linger can only end
   * sooner for it, never later.
   */
  long addLine(byte[] line) {
    return addLine(line,
        unsent.isEmpty() ? System.nanoTime() : unsent.peekLast().enqueuedNanos());
  }

  /** Numbers and holds a request event, built by {@code withSeq} from its sequence number. */
  long addEvent(java.util.function.LongFunction<IngestFrame> withSeq, long nowNanos) {
    long seq = ++lastSeq;
    return add(new Item(seq, null, withSeq.apply(seq), nowNanos));
  }

  private long add(Item item) {
    if (unsent.size() + inflightItems >= capacity && !dropOldestUnsent()) {
      dropped++; // everything held is in flight: the newest item is the oldest unsent one
      return item.seq();
    }
    unsent.addLast(item);
    return item.seq();
  }

  private boolean dropOldestUnsent() {
    if (unsent.isEmpty()) {
      return false;
    }
    Iterator<Item> it = unsent.iterator();
    while (it.hasNext()) {
      if (it.next().isLine()) {
        it.remove();
        dropped++;
        return true;
      }
    }
    unsent.pollFirst();
    dropped++;
    return true;
  }

  /** Counts a line that was refused outright (the runner is stopped). */
  void countDropped() {
    dropped++;
  }

  long dropped() {
    return dropped;
  }

  long lastSeq() {
    return lastSeq;
  }

  int unsentCount() {
    return unsent.size();
  }

  int heldCount() {
    return unsent.size() + inflightItems;
  }

  /** Frames sent on the current stream and not acknowledged yet. */
  int framesInFlight() {
    return inflight.size();
  }

  boolean isEmpty() {
    return unsent.isEmpty() && inflight.isEmpty();
  }

  /** When the oldest unsent item was logged; only valid when something is unsent. */
  long oldestUnsentNanos() {
    return unsent.peekFirst().enqueuedNanos();
  }

  long oldestUnsentSeq() {
    return unsent.isEmpty() ? Long.MAX_VALUE : unsent.peekFirst().seq();
  }

  /** True while an item numbered {@code seq} or lower is still held (not acked, not dropped). */
  boolean holdsUpTo(long seq) {
    return (!inflight.isEmpty() && firstInflightSeq() <= seq)
        || (!unsent.isEmpty() && unsent.peekFirst().seq() <= seq);
  }

  /**
   * Takes the next frame to send and moves its items in flight: a single request event, or a
   * LogBatch of consecutive lines within the record and byte limits. Null if nothing is unsent.
   */
  Frames.Out nextFrame(int maxLines, int maxBytes) {
    Item head = unsent.pollFirst();
    if (head == null) {
      return null;
    }
    if (!head.isLine()) {
      inflight.addLast(new Sent(new Item[] {head}, 1));
      inflightItems++;
      return Frames.Out.of(head.event());
    }
    Item[] items = new Item[Math.min(maxLines, unsent.size() + 1)];
    items[0] = head;
    int n = 1;
    long expected = head.seq() + 1;
    int bytes = head.line().length;
    while (n < items.length) {
      Item next = unsent.peekFirst();
      // A batch numbers its lines first_seq + i, so it ends at a gap (a dropped line) or at a
      // request event.
      if (next == null || !next.isLine() || next.seq() != expected) {
        break;
      }
      int size = next.line().length;
      if (bytes + size > maxBytes) {
        break;
      }
      unsent.pollFirst();
      items[n++] = next;
      bytes += size;
      expected++;
    }
    inflight.addLast(new Sent(items, n));
    inflightItems += n;
    return Frames.Out.batch(head.seq(), new Lines(items, n), bytes);
  }

  private long firstInflightSeq() {
    Sent first = inflight.peekFirst();
    return first.items[first.from].seq();
  }

  /** Cumulative ack: releases every item numbered {@code seq} or lower. */
  void ack(long seq) {
    acked = Math.max(acked, seq);
    while (!inflight.isEmpty()) {
      Sent first = inflight.peekFirst();
      if (first.lastSeq <= seq) {
        inflight.pollFirst();
        inflightItems -= first.count - first.from;
        continue;
      }
      while (first.items[first.from].seq() <= seq) { // part of a frame
        first.from++;
        inflightItems--;
      }
      break;
    }
    while (!unsent.isEmpty() && unsent.peekFirst().seq() <= seq) {
      unsent.pollFirst();
    }
  }

  long acked() {
    return acked;
  }

  /** The stream broke: everything in flight is unsent again, in order, ahead of newer items. */
  void requeueInflight() {
    while (!inflight.isEmpty()) {
      Sent last = inflight.pollLast();
      for (int i = last.count - 1; i >= last.from; i--) {
        unsent.addFirst(last.items[i]);
      }
    }
    inflightItems = 0;
  }
}
