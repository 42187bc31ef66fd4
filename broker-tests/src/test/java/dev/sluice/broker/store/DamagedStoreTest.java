package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentFiles;
import dev.sluice.broker.store.segment.SegmentFiles.Frame;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment store over damaged segments: a damaged record costs that record only, its
 * number is reported lost to readers that cross it, a batch keeps its intact records, and an
 * account's sequence never hands out a number that was lost.
 */
class DamagedStoreTest {
  private static final String ACCOUNT = "acct";
  private static final String SESSION = "app/r1/s1";

  /** Where a record or a batch end is on disk. */
  record Located(Path segment, Frame frame, byte type, String account, long seq) {}

  static List<Record> drafts(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(i -> Record.newBuilder()
        .setSubject("app.r1._").setMessage("line " + i + " of a record long enough to hit")
        .setTimeUnixNano(i).setLabels(Labels.newBuilder().setAppName("app").setRunnerId("r1"))
        .build()).collect(Collectors.toList());
  }

  static void append(SegmentStore store, String account, long clientSeq, List<Record> drafts)
      throws Exception {
    store.append(account, SESSION, clientSeq, drafts).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** Every record of {@code account} the store serves, oldest first, with the lost ranges. */
  static List<Long> all(SegmentStore store, String account, List<Lost> lost) throws Exception {
    List<Long> out = new ArrayList<>();
    long after = 0;
    for (int i = 0; i < 100_000; i++) {
      LogStore.ReadResult read = store.read(account, Scan.after(after, 997))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      read.records().forEach(r -> out.add(r.seq()));
      lost.addAll(read.lost());
      if (read.lastExamined() <= after) {
        break;
      }
      after = read.lastExamined();
    }
    return out;
  }

  /** Every frame of the store's segments, with what it holds. */
  static List<Located> locate(Path dir) throws Exception {
    List<Located> out = new ArrayList<>();
    for (Path segment : SegmentFiles.segments(dir)) {
      byte[] bytes = java.nio.file.Files.readAllBytes(segment);
      for (Frame frame : SegmentFiles.frames(segment)) {
        ByteBuffer body = ByteBuffer.wrap(bytes, (int) frame.offset() + frame.header(),
            frame.length()).slice();
        byte type = body.get();
        byte[] name = new byte[body.getShort()];
        body.get(name);
        long seq = -1;
        if (type == SegmentStore.RECORD) {
          seq = Record.parseFrom(body).getSeq();
        }
        out.add(new Located(segment, frame, type, new String(name, StandardCharsets.UTF_8), seq));
      }
    }
    return out;
  }

  static Located record(List<Located> frames, long seq) {
    return frames.stream().filter(l -> l.type() == SegmentStore.RECORD && l.seq() == seq)
        .findFirst().orElseThrow();
  }

  private static List<Long> seqs(long from, long to, long... except) {
    List<Long> out = LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    for (long e : except) {
      out.remove(e);
    }
    return out;
  }

  private static SegmentStore open(Path dir, long segmentBytes) throws Exception {
    // recent = 1: every read but the newest record's goes through the index to the segments.
    return SegmentStore.open(dir, segmentBytes, FsyncPolicy.always(), 1);
  }

  private static void fill(Path dir, long segmentBytes, int records, int batch) throws Exception {
    try (SegmentStore store = open(dir, segmentBytes)) {
      for (int i = 1; i <= records; i += batch) {
        append(store, ACCOUNT, i, drafts(i, Math.min(records, i + batch - 1)));
      }
    }
  }

  @Test
  void aFlippedByteInARecordCostsThatRecordOnlyAndReadersAreToldItsNumber(@TempDir Path dir)
      throws Exception {
    fill(dir, 1 << 20, 1000, 100);
    Located hit = record(locate(dir), 500);
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + 12 + 40);
    try (SegmentStore store = open(dir, 1 << 20)) {
      List<Lost> crossed = new ArrayList<>();
      assertThat(all(store, ACCOUNT, crossed)).isEqualTo(seqs(1, 1000, 500));
      assertThat(crossed).containsExactly(new Lost(500, 500, true));
      assertThat(store.lost(ACCOUNT)).containsExactly(new Lost(500, 500, true));
      assertThat(store.lastSeq(ACCOUNT)).isEqualTo(1000);
      // The damage is in the segment being written, where a crash could have torn the last
      // write out of order: the session resumes from the batch before it (records 301-400),
      // so its runner sends again whatever it had not had acknowledged.
      assertThat(store.lastClientSeq(ACCOUNT, SESSION)).isEqualTo(301);
      assertThat(store.recovery().damage()).singleElement()
          .satisfies(d -> assertThat(d.frames()).isEqualTo(1));
      // A read that starts after the hole is not told of it again.
      assertThat(store.read(ACCOUNT, Scan.after(500, 10)).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS).lost()).isEmpty();
      append(store, ACCOUNT, 1001, drafts(1001, 1001));
      assertThat(store.lastSeq(ACCOUNT)).isEqualTo(1001);
    }
  }

  @Test
  void aFlippedByteInAnOlderSegmentCostsThatRecordOnly(@TempDir Path dir) throws Exception {
    fill(dir, 16 * 1024, 1000, 10);
    List<Located> frames = locate(dir);
    Path second = SegmentFiles.segments(dir).get(1);
    Located hit = frames.stream().filter(l -> l.segment().equals(second)
        && l.type() == SegmentStore.RECORD).skip(5).findFirst().orElseThrow();
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + 1); // its length
    try (SegmentStore store = open(dir, 16 * 1024)) {
      List<Lost> crossed = new ArrayList<>();
      assertThat(all(store, ACCOUNT, crossed)).isEqualTo(seqs(1, 1000, hit.seq()));
      assertThat(crossed).containsExactly(new Lost(hit.seq(), hit.seq(), true));
      // Damage in a finished segment is no torn write: the sessions' progress stands.
      assertThat(store.lastClientSeq(ACCOUNT, SESSION)).isEqualTo(991);
    }
  }

  @Test
  void aBatchWhoseEndIsDamagedKeepsEveryRecordAndTheNextBatchGoesOn(@TempDir Path dir)
      throws Exception {
    fill(dir, 1 << 20, 100, 10);
    Located end = locate(dir).stream().filter(l -> l.type() == SegmentStore.SESSION)
        .skip(4).findFirst().orElseThrow(); // the end of records 41-50
    SegmentFiles.flip(end.segment(), end.frame().offset() + 12 + 3);
    try (SegmentStore store = open(dir, 1 << 20)) {
      List<Lost> crossed = new ArrayList<>();
      assertThat(all(store, ACCOUNT, crossed)).isEqualTo(seqs(1, 100));
      assertThat(crossed).isEmpty();
      assertThat(store.lost(ACCOUNT)).isEmpty();
      assertThat(store.lastClientSeq(ACCOUNT, SESSION)).isEqualTo(31); // held, as above
    }
  }

  @Test
  void aBatchDamagedInTheMiddleKeepsItsRecordsBeforeAndAfterTheDamage(@TempDir Path dir)
      throws Exception {
    fill(dir, 1 << 20, 100, 20);
    // Records 41-60 are one batch; damage its 5th and its 15th.
    List<Located> frames = locate(dir);
    for (long seq : new long[] {45, 55}) {
      Located hit = record(frames, seq);
      SegmentFiles.flip(hit.segment(), hit.frame().offset() + 12 + 30);
    }
    try (SegmentStore store = open(dir, 1 << 20)) {
      List<Lost> crossed = new ArrayList<>();
      assertThat(all(store, ACCOUNT, crossed)).isEqualTo(seqs(1, 100, 45, 55));
      assertThat(crossed).containsExactly(new Lost(45, 45, true), new Lost(55, 55, true));
    }
  }

  @Test
  void theLastRecordOfABatchIsReportedLostThroughTheBatchEnd(@TempDir Path dir)
      throws Exception {
    fill(dir, 1 << 20, 40, 10);
    Located hit = record(locate(dir), 30); // the last record before a batch end
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + 12 + 30);
    try (SegmentStore store = open(dir, 1 << 20)) {
      List<Lost> crossed = new ArrayList<>();
      assertThat(all(store, ACCOUNT, crossed)).isEqualTo(seqs(1, 40, 30));
      assertThat(crossed).containsExactly(new Lost(30, 30, true));
    }
  }

  @Test
  void damageToAnAccountsNewestRecordsMovesItsSequencePastEveryNumberItMayHaveUsed(
      @TempDir Path dir) throws Exception {
    try (SegmentStore store = open(dir, 1 << 20)) {
      append(store, "quiet", 1, drafts(1, 10));
      append(store, ACCOUNT, 1, drafts(1, 10));
      append(store, "quiet", 11, drafts(11, 20)); // its last batch: damaged below
      append(store, ACCOUNT, 11, drafts(11, 20));
    }
    List<Located> frames = locate(dir);
    Located lastOfQuiet = frames.stream().filter(l -> l.account().equals("quiet")
        && l.seq() == 20).findFirst().orElseThrow();
    Located itsEnd = frames.get(frames.indexOf(lastOfQuiet) + 1);
    SegmentFiles.flip(lastOfQuiet.segment(), lastOfQuiet.frame().offset() + 2);
    SegmentFiles.flip(itsEnd.segment(), itsEnd.frame().offset() + 2);
    try (SegmentStore store = open(dir, 1 << 20)) {
      assertThat(all(store, "quiet", new ArrayList<>())).isEqualTo(seqs(1, 19));
      assertThat(all(store, ACCOUNT, new ArrayList<>())).isEqualTo(seqs(1, 20));
      // How many entries the damaged bytes held is not known, nor is whether any was quiet's.
      assertThat(store.lost("quiet")).singleElement().satisfies(l -> {
        assertThat(l.certain()).isFalse();
        assertThat(l.first()).isEqualTo(20);
      });
      long bound = store.lost("quiet").get(0).last();
      // Readers may hold those numbers (a drain's or a tail's cursor): they are the store's.
      assertThat(store.lastSeq("quiet")).isEqualTo(bound);
      List<Lost> before = new ArrayList<>();
      all(store, "quiet", before);
      assertThat(before).containsExactly(new Lost(20, bound, false));
      append(store, "quiet", 21, drafts(21, 21));
      List<Lost> crossed = new ArrayList<>();
      List<Long> after = all(store, "quiet", crossed);
      assertThat(after.get(after.size() - 1)).isEqualTo(bound + 1);
      assertThat(crossed).containsExactly(new Lost(20, bound, false));
      // The account with records after the damage lost nothing and is not told otherwise.
      assertThat(store.lost(ACCOUNT)).isEmpty();
    }
    // Restarted, the numbers set aside are still "may have been lost", not a certain loss of
    // all of them, though the account's records now show a hole there.
    try (SegmentStore store = open(dir, 1 << 20)) {
      assertThat(store.lost("quiet")).singleElement()
          .satisfies(l -> assertThat(l.certain()).isFalse());
      assertThat(all(store, "quiet", new ArrayList<>())).endsWith(
          store.lost("quiet").get(0).last() + 1);
    }
  }

  @Test
  void anAccountWhoseEveryEntryIsDamagedNeverGetsItsNumbersAgain(@TempDir Path dir)
      throws Exception {
    try (SegmentStore store = open(dir, 1 << 20)) {
      append(store, ACCOUNT, 1, drafts(1, 10));
      append(store, "gone", 1, drafts(1, 3));
      append(store, ACCOUNT, 11, drafts(11, 20));
    }
    List<Located> frames = locate(dir);
    Located first = frames.stream().filter(l -> l.account().equals("gone")).findFirst()
        .orElseThrow();
    Located end = frames.stream().filter(l -> l.account().equals("gone")
        && l.type() == SegmentStore.SESSION).findFirst().orElseThrow();
    byte[] junk = new byte[(int) (end.frame().end() - first.frame().offset())];
    new java.util.Random(5).nextBytes(junk);
    SegmentFiles.write(first.segment(), first.frame().offset(), junk); // all four of its entries
    try (SegmentStore store = open(dir, 1 << 20)) {
      assertThat(all(store, ACCOUNT, new ArrayList<>())).isEqualTo(seqs(1, 20));
      assertThat(store.lastSeq("gone")).isZero(); // nothing of it is known
      append(store, "gone", 4, drafts(4, 4));
      List<Lost> crossed = new ArrayList<>();
      List<Long> seqs = all(store, "gone", crossed);
      // A reader that held its numbers 1-3 is told they may be lost; none is used again.
      assertThat(seqs).singleElement().satisfies(seq -> assertThat(seq).isGreaterThan(3));
      assertThat(crossed).singleElement().satisfies(l -> {
        assertThat(l.first()).isEqualTo(1);
        assertThat(l.last()).isEqualTo(seqs.get(0) - 1);
        assertThat(l.certain()).isFalse();
      });
    }
    try (SegmentStore store = open(dir, 1 << 20)) { // the numbers set aside stay uncertain
      assertThat(store.lost("gone")).singleElement()
          .satisfies(l -> assertThat(l.certain()).isFalse());
    }
  }

  @Test
  void anAccountsLostFirstRecordIsToldOnceAsLostNotAsDeleted(@TempDir Path dir)
      throws Exception {
    fill(dir, 1 << 20, 50, 10);
    Located hit = record(locate(dir), 1);
    SegmentFiles.flip(hit.segment(), hit.frame().offset() + 12 + 30);
    try (SegmentStore store = open(dir, 1 << 20)) {
      LogStore.ReadResult read = store.read(ACCOUNT, Scan.after(0, 100)).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(read.missing()).isZero();
      assertThat(read.lost()).containsExactly(new Lost(1, 1, true));
      assertThat(read.records()).extracting(StoredRecord::seq).isEqualTo(seqs(2, 50));
    }
  }
}
