package dev.sluice.client.tail;

import dev.sluice.proto.v1.TailResponse;

/** Reads the events of a TailResponse in delivery order: its notices first, then records. */
final class Events {
  private Events() {}

  static int count(TailResponse response) {
    return response.getNoticesCount() + response.getRecordsCount();
  }

  static TailEvent at(TailResponse response, int index) {
    int notices = response.getNoticesCount();
    return index < notices
        ? new TailEvent.NoticeEvent(response.getNotices(index))
        : new TailEvent.RecordEvent(response.getRecords(index - notices));
  }
}
