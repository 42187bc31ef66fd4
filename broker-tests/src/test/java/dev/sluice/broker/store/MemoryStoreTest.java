package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.proto.v1.Record;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-account sequence spaces, cursors, the ring's retention (reported as {@code missing}) and
 * the runner-session high-water mark of {@link MemoryStore}.
 */
class MemoryStoreTest {
  private static final int CAPACITY = 100;

  private final MemoryStore store = new MemoryStore(CAPACITY);

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void appendAssignsConsecutiveSeqsFromOnePerAccount() {
    List<StoredRecord> a1 = append("acct-a", "", 0, "a1", "a2", "a3");
    List<StoredRecord> b1 = append("acct-b", "", 0, "b1", "b2");
    List<StoredRecord> a2 = append("acct-a", "", 0, "a4");

    assertThat(a1).extracting(StoredRecord::seq).containsExactly(1L, 2L, 3L);
    assertThat(b1).extracting(StoredRecord::seq).containsExactly(1L, 2L);
    assertThat(a2).extracting(StoredRecord::seq).containsExactly(4L);
    assertThat(store.lastSeq("acct-a")).isEqualTo(4);
    assertThat(store.lastSeq("acct-b")).isEqualTo(2);
    assertThat(store.lastSeq("acct-none")).isZero();
  }

  @Test
  void storedRecordCarriesSeqCursorAndItsOwnEncoding() throws Exception {
    StoredRecord r = append("acct", "", 0, "hello").get(0);
    // What subscribers receive is the encoding: it carries seq and cursor; the message object
    // kept for predicates is the draft as ingest built it.
    Record wire = Record.parseFrom(r.encoded());
    assertThat(wire.getSeq()).isEqualTo(r.seq());
    assertThat(wire.getCursor()).isEqualTo(Cursor.of(r.seq()));
    assertThat(wire.getMessage()).isEqualTo("hello");
    assertThat(wire).isEqualTo(r.record().toBuilder().setSeq(r.seq())
        .setCursor(Cursor.of(r.seq())).build());
  }

  @Test
  void readReturnsRecordsAfterTheGivenSeqInOrder() {
    append("acct", "", 0, messages(10));
    ReadResult read = store.read("acct", Scan.after(4, 3)).result();
    assertThat(read.records()).extracting(StoredRecord::seq).containsExactly(5L, 6L, 7L);
    assertThat(read.missing()).isZero();
    assertThat(read.lastExamined()).isEqualTo(7);

    ReadResult rest = store.read("acct", Scan.after(read.lastExamined(), 100)).result();
    assertThat(rest.records()).extracting(StoredRecord::seq).containsExactly(8L, 9L, 10L);
    assertThat(rest.lastExamined()).isEqualTo(10);

    ReadResult none = store.read("acct", Scan.after(10, 100)).result();
    assertThat(none.records()).isEmpty();
    assertThat(none.lastExamined()).isEqualTo(10);
  }

  @Test
  void readOfUnknownAccountIsEmpty() {
    ReadResult read = store.read("acct-none", Scan.after(0, 10)).result();
    assertThat(read.records()).isEmpty();
    assertThat(read.missing()).isZero();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 2, 127, 128, 255, 256, 65_536, Long.MAX_VALUE})
  void cursorRoundTripsItsSeq(long seq) {
    assertThat(Cursor.seq(Cursor.of(seq))).isEqualTo(seq);
  }

  @Test
  void cursorOfStoredRecordPointsAtIt() throws Exception {
    List<StoredRecord> stored = append("acct", "", 0, messages(5));
    for (StoredRecord r : stored) {
      assertThat(Cursor.seq(Record.parseFrom(r.encoded()).getCursor())).isEqualTo(r.seq());
    }
  }

  @Test
  void ringKeepsNewestCapacityRecordsAndCountsTheMissing() {
    int extra = 37;
    append("acct", "", 0, messages(CAPACITY + extra));

    ReadResult read = store.read("acct", Scan.after(0, CAPACITY * 2)).result();

    assertThat(read.missing()).isEqualTo(extra);
    assertThat(read.records()).hasSize(CAPACITY);
    assertThat(read.records().get(0).seq()).isEqualTo(extra + 1);
    assertThat(read.records().get(0).record().getMessage()).isEqualTo("line " + (extra + 1));
    assertThat(read.records()).extracting(StoredRecord::seq)
        .containsExactlyElementsOf(IntStream.rangeClosed(extra + 1, CAPACITY + extra)
            .mapToObj(Long::valueOf).toList());
    assertThat(read.lastExamined()).isEqualTo(CAPACITY + extra);
  }

  @Test
  void readInsideTheRingMissesNothing() {
    append("acct", "", 0, messages(CAPACITY + 37));
    ReadResult read = store.read("acct", Scan.after(37, 10)).result();
    assertThat(read.missing()).isZero();
    assertThat(read.records().get(0).seq()).isEqualTo(38);
  }

  @Test
  void lastClientSeqKeepsTheMaximumPerSession() {
    append("acct", "app/r/s1", 5, "a");
    append("acct", "app/r/s1", 9, "b");
    append("acct", "app/r/s1", 7, "c");
    append("acct", "app/r/s2", 3, "d");
    append("acct-other", "app/r/s1", 100, "e");

    assertThat(store.lastClientSeq("acct", "app/r/s1")).isEqualTo(9);
    assertThat(store.lastClientSeq("acct", "app/r/s2")).isEqualTo(3);
    assertThat(store.lastClientSeq("acct-other", "app/r/s1")).isEqualTo(100);
    assertThat(store.lastClientSeq("acct", "app/r/unknown")).isZero();
  }

  @Test
  void emptySessionKeyRecordsNoSession() {
    append("acct", "", 42, "a");
    assertThat(store.lastClientSeq("acct", "")).isZero();
  }

  static Stream<ByteString> foreignCursors() {
    ByteString valid = Cursor.of(7);
    return Stream.of(
        ByteString.EMPTY,
        ByteString.copyFromUtf8("garbage!!"),
        valid.substring(0, valid.size() - 1),
        valid.concat(ByteString.copyFrom(new byte[] {0})),
        // Right length, wrong version byte.
        ByteString.copyFrom(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 7}),
        // Right version, negative sequence.
        Cursor.of(-1));
  }

  @ParameterizedTest
  @MethodSource("foreignCursors")
  void cursorRejectsForeignBytesWithInvalidArgument(ByteString cursor) {
    SluiceException e = catchThrowableOfType(SluiceException.class, () -> Cursor.seq(cursor));
    assertThat(e).isNotNull();
    assertThat(e.failure()).isEqualTo(Failure.INVALID_ARGUMENT);
    assertThat(e.getMessage()).startsWith("cursor: ");
  }

  private List<StoredRecord> append(String account, String session, long clientSeq,
      String... messages) {
    List<Record> drafts = Stream.of(messages)
        .map(m -> Record.newBuilder().setSubject("app.r._").setMessage(m).build()).toList();
    return store.append(account, session, clientSeq, drafts).result();
  }

  private static String[] messages(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "line " + i).toArray(String[]::new);
  }
}
