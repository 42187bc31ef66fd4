package dev.sluice.broker.plugin;

import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;

/** The notices readers get besides records, made the same way wherever they are sent. */
public final class Notices {
  private Notices() {}

  /** A GAP notice for sequence numbers recovery found damaged on disk. */
  public static Notice gap(Lost lost) {
    return Notice.newBuilder().setKind(NoticeKind.GAP).setCount(lost.count())
        .setFirstSeq(lost.first()).setLastSeq(lost.last())
        .setDetail(lost.describe() + " (they may not have matched this filter)").build();
  }

  /** A GAP notice for {@code count} records before {@code beforeSeq} that retention deleted. */
  public static Notice deleted(long count, long firstSeq) {
    return Notice.newBuilder().setKind(NoticeKind.GAP).setCount(count).setFirstSeq(firstSeq)
        .setLastSeq(firstSeq + count - 1)
        .setDetail(count + " records before this point are no longer stored").build();
  }
}
