package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecordRingTest {
  private static StoredRecord record(long seq) {
    return StoredRecord.of(seq, Record.newBuilder().setSubject("a.r._").setMessage("m" + seq)
        .build());
  }

  private static List<Long> seqs(LogStore.ReadResult read) {
    return read.records().stream().map(StoredRecord::seq).toList();
  }

  @Test
  void growsAsItFillsAndKeepsEveryRecordUpToItsCapacity() {
    RecordRing ring = new RecordRing(5_000);
    for (long seq = 1; seq <= 3_000; seq++) {
      ring.add(record(seq));
    }
    assertThat(ring.firstSeq()).isEqualTo(1);
    assertThat(seqs(ring.read(0, 10_000)))
        .isEqualTo(LongStream.rangeClosed(1, 3_000).boxed().toList());
    for (long seq = 3_001; seq <= 12_000; seq++) {
      ring.add(record(seq));
    }
    // Full: the newest 5,000 only, and the rest reported missing.
    assertThat(ring.firstSeq()).isEqualTo(7_001);
    LogStore.ReadResult read = ring.read(0, 10_000);
    assertThat(read.missing()).isEqualTo(7_000);
    assertThat(seqs(read)).isEqualTo(LongStream.rangeClosed(7_001, 12_000).boxed().toList());
  }

  @Test
  void sequenceGapsNeverCostARecordBelowCapacity() {
    // Sequence numbers used up by failed appends leave gaps; records beyond a slot count
    // apart must both stay while the ring is below capacity.
    RecordRing ring = new RecordRing(4_096);
    List<Long> added = List.of(1L, 2L, 258L, 514L, 515L, 1_800L, 3_000L);
    added.forEach(seq -> ring.add(record(seq)));

    assertThat(seqs(ring.read(0, 100))).isEqualTo(added);
    assertThat(seqs(ring.read(257, 100))).containsExactly(258L, 514L, 515L, 1_800L, 3_000L);
  }
}
