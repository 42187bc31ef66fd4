package dev.sluice.client.tail;

import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;

/**
 * What a tail delivers: a stored {@link Record}, or a {@link Notice} such as "dropped 1532
 * records" that applies at that point of the stream. A notice arrives before the records it
 * precedes.
 *
 * <pre>{@code
 * for (TailEvent event : (Iterable<TailEvent>) () -> subscription) {
 *   if (event instanceof TailEvent.RecordEvent r) {
 *     System.out.println(r.record().getMessage());
 *   } else if (event instanceof TailEvent.NoticeEvent n) {
 *     System.out.println("--- " + n.notice().getDetail());
 *   }
 * }
 * }</pre>
 */
public sealed interface TailEvent permits TailEvent.RecordEvent, TailEvent.NoticeEvent {

  /** A record that matched the tail's filter and predicates. */
  record RecordEvent(Record record) implements TailEvent {}

  /** Something the subscriber must know that is not a record (dropped, shed, gap). */
  record NoticeEvent(Notice notice) implements TailEvent {}
}
