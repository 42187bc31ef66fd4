package dev.sluice.broker.store.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.segment.SegmentFiles.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage in a segment costs only the frames it hits: recovery reads past it, keeps every
 * intact entry before and after in order at its position, and says where the damage is.
 */
class SegmentRecoveryTest {
  private static final long SEGMENT = 1 << 20;

  private final List<SegmentLog.Entry> recovered = new ArrayList<>();
  private final List<SegmentLog.Damage> damaged = new ArrayList<>();

  private SegmentLog open(Path dir, long segmentBytes) throws IOException {
    recovered.clear();
    damaged.clear();
    return SegmentLog.open(dir, segmentBytes, FsyncPolicy.always(),
        new SegmentLog.RecoveryListener() {
          @Override
          public void entry(SegmentLog.Entry entry) {
            recovered.add(entry);
          }

          @Override
          public void damage(SegmentLog.Damage damage) {
            damaged.add(damage);
          }
        });
  }

  private static List<byte[]> bodies(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> ("entry " + i + " with some text to damage")
        .getBytes(StandardCharsets.UTF_8)).collect(Collectors.toList());
  }

  private static List<String> expected(int from, int to) {
    return bodies(from, to).stream().map(b -> new String(b, StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private List<String> texts() {
    return recovered.stream().map(e -> new String(e.body(), StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private static List<SegmentLog.Position> append(SegmentLog log, List<byte[]> bodies)
      throws Exception {
    return log.append(bodies).get(10, TimeUnit.SECONDS);
  }

  /** Writes {@code count} entries in batches of ten; returns their positions. */
  private static List<SegmentLog.Position> write(Path dir, long segmentBytes, int count)
      throws Exception {
    List<SegmentLog.Position> positions = new ArrayList<>();
    try (SegmentLog log = SegmentLog.open(dir, segmentBytes, FsyncPolicy.always(), e -> { })) {
      for (int i = 0; i < count; i += 10) {
        positions.addAll(append(log, bodies(i, Math.min(count, i + 10))));
      }
    }
    return positions;
  }

  private static List<String> allBut(int count, int... lost) {
    List<String> out = expected(0, count);
    for (int i = lost.length - 1; i >= 0; i--) {
      out.remove(lost[i]);
    }
    return out;
  }

  private static Path file(Path dir, SegmentLog.Position position) {
    return dir.resolve(String.format("%020d.seg", position.segment()));
  }

  @Test
  void aFlippedByteInAnEntrysBodyCostsThatEntryOnlyAndTheRestKeepTheirPositions(
      @TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 100);
    SegmentLog.Position hit = positions.get(50);
    SegmentFiles.flip(file(dir, hit), hit.offset() + 12 + 3);
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(allBut(100, 50));
      List<SegmentLog.Position> kept = new ArrayList<>(positions);
      kept.remove(50);
      assertThat(recovered).extracting(SegmentLog.Entry::position).isEqualTo(kept);
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.from()).isEqualTo(hit.offset());
        assertThat(d.to()).isEqualTo(positions.get(51).offset());
        assertThat(d.frames()).isEqualTo(1);
        assertThat(d.known()).isFalse();
      });
      assertThat(log.recovery().damage()).isEqualTo(damaged);
      assertThat(log.recovery().truncatedBytes()).isZero();
      // The active segment goes on after the damage, which stays where it is.
      List<SegmentLog.Position> more = append(log, bodies(100, 102));
      assertThat(more.get(0).segment()).isEqualTo(hit.segment());
      assertThat(new String(log.read(positions.get(51)), StandardCharsets.UTF_8))
          .isEqualTo(expected(51, 52).get(0));
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      List<String> all = allBut(100, 50);
      all.addAll(expected(100, 102));
      assertThat(texts()).isEqualTo(all);
      assertThat(damaged).singleElement().satisfies(d -> assertThat(d.known()).isTrue());
    }
  }

  @Test
  void aFlippedByteInAnOlderSegmentCostsThatEntryOnly(@TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = write(dir, 2048, 200);
    assertThat(SegmentFiles.segments(dir)).hasSizeGreaterThan(3);
    int victim = IntStream.range(0, 200).filter(i -> positions.get(i).segment() == 2)
        .skip(3).findFirst().orElseThrow();
    SegmentLog.Position hit = positions.get(victim);
    SegmentFiles.flip(file(dir, hit), hit.offset() + 12 + 8);
    try (SegmentLog log = open(dir, 2048)) {
      assertThat(texts()).isEqualTo(allBut(200, victim));
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.segment()).isEqualTo(2);
        assertThat(d.frames()).isEqualTo(1);
      });
    }
  }

  @Test
  void aFlippedByteInALengthFieldIsReadPastToTheNextFrame(@TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 100);
    for (int b = 0; b < 4; b++) {
      SegmentLog.Position hit = positions.get(20 + 10 * b);
      SegmentFiles.flip(file(dir, hit), hit.offset() + b); // each byte of a length, once
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(allBut(100, 20, 30, 40, 50));
      assertThat(damaged).hasSize(4).allSatisfy(d -> assertThat(d.frames()).isEqualTo(-1));
      assertThat(damaged).extracting(SegmentLog.Damage::to).containsExactly(
          positions.get(21).offset(), positions.get(31).offset(), positions.get(41).offset(),
          positions.get(51).offset());
    }
  }

  @Test
  void aHundredOverwrittenBytesCostOnlyTheEntriesTheyTouch(@TempDir Path dir)
      throws Exception {
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 300);
    long from = positions.get(150).offset() + 7;
    byte[] junk = new byte[100];
    new Random(42).nextBytes(junk);
    SegmentFiles.write(file(dir, positions.get(150)), from, junk);
    List<Integer> touched = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      long start = positions.get(i).offset();
      long end = start + 12 + bodies(i, i + 1).get(0).length;
      if (start < from + 100 && end > from) {
        touched.add(i);
      }
    }
    assertThat(touched).hasSizeBetween(2, 4);
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(allBut(300, touched.stream().mapToInt(i -> i).toArray()));
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.from()).isEqualTo(positions.get(touched.get(0)).offset());
        assertThat(d.to()).isEqualTo(positions.get(touched.get(touched.size() - 1) + 1).offset());
      });
    }
  }

  @Test
  void aFlippedByteInTheLastEntryIsDamageNotATornWrite(@TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 30);
    SegmentLog.Position last = positions.get(29);
    SegmentFiles.flip(file(dir, last), last.offset() + 12 + 5);
    long size = Files.size(file(dir, last));
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 29));
      assertThat(log.recovery().truncatedBytes()).isZero();
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.from()).isEqualTo(last.offset());
        assertThat(d.to()).isEqualTo(size);
        assertThat(d.frames()).isEqualTo(1);
      });
      assertThat(Files.size(file(dir, last))).isEqualTo(size); // kept, not cut
      append(log, bodies(30, 32));
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      List<String> all = expected(0, 29);
      all.addAll(expected(30, 32));
      assertThat(texts()).isEqualTo(all);
    }
  }

  @Test
  void theDamagedRangesAreListedBesideTheSegmentAndGoWithIt(@TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = write(dir, 2048, 200);
    SegmentLog.Position hit = positions.get(5);
    Path segment = file(dir, hit);
    SegmentFiles.flip(segment, hit.offset() + 14);
    Path side = segment.resolveSibling(segment.getFileName() + ".damaged");
    try (SegmentLog log = open(dir, 2048)) {
      assertThat(side).exists();
      long end = positions.get(6).offset();
      assertThat(Files.readAllLines(side)).contains(hit.offset() + " " + end + " "
          + (end - hit.offset()) + " 1");
      log.delete(hit.segment());
      assertThat(segment).doesNotExist();
      assertThat(side).doesNotExist();
    }
  }

  @Test
  void aFrameForgedInsideAnEntryIsNeverTakenForOne(@TempDir Path dir) throws Exception {
    // A runner logs a line that holds a whole frame of its own making. The salt is the log's
    // secret, so the forger cannot make its check word; without one its length and CRC would
    // pass. Here it guesses the salt 0.
    byte[] forgedBody = "forged entry".getBytes(StandardCharsets.UTF_8);
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 20);
    SegmentLog.Position before = positions.get(19);
    long at;
    try (SegmentLog log = open(dir, SEGMENT)) {
      at = before.offset() + 12 + bodies(19, 20).get(0).length;
      byte[] line = new byte[16 + 12 + forgedBody.length];
      ByteBuffer frame = ByteBuffer.wrap(line).position(16);
      long forgedOffset = at + 12 + 16;
      Frames.putHeader(frame, Frames.Layout.v2(0, 1).key(), forgedOffset, forgedBody.length,
          Frames.crc(ByteBuffer.wrap(forgedBody)));
      frame.put(forgedBody);
      assertThat(append(log, List.of(line)).get(0).offset()).isEqualTo(at);
      append(log, bodies(20, 25));
    }
    SegmentFiles.flip(file(dir, before), at + 1); // the line's own length
    try (SegmentLog log = open(dir, SEGMENT)) {
      List<String> all = expected(0, 20);
      all.addAll(expected(20, 25));
      assertThat(texts()).isEqualTo(all);
    }
  }

  @Test
  void aSegmentOfTheEarlierLayoutIsReadPastItsDamageAndNeverWrittenAgain(@TempDir Path dir)
      throws Exception {
    // Version 1: no file header, frames of length and CRC only.
    List<byte[]> old = bodies(0, 20);
    ByteBuffer v1 = ByteBuffer.allocate(20 * 64);
    List<Long> offsets = new ArrayList<>();
    for (byte[] body : old) {
      offsets.add((long) v1.position());
      v1.putInt(body.length).putInt(Frames.crc(ByteBuffer.wrap(body))).put(body);
    }
    Path legacy = dir.resolve(String.format("%020d.seg", 1));
    Files.write(legacy, java.util.Arrays.copyOf(v1.array(), v1.position()));
    SegmentFiles.flip(legacy, offsets.get(7) + 1); // a length: found again by its CRCs
    SegmentFiles.flip(legacy, offsets.get(12) + 8 + 2); // a body
    List<SegmentLog.Position> fresh;
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(allBut(20, 7, 12));
      assertThat(damaged).hasSize(2);
      fresh = append(log, bodies(20, 22));
      assertThat(fresh.get(0).segment()).isEqualTo(2);
    }
    assertThat(Files.size(legacy)).isEqualTo(v1.position());
    try (SegmentLog log = open(dir, SEGMENT)) {
      List<String> all = allBut(20, 7, 12);
      all.addAll(expected(20, 22));
      assertThat(texts()).isEqualTo(all);
    }
  }

  @Test
  void aFileHeaderIsReadFromItsOtherCopyOrFromTheOtherSegments(@TempDir Path dir)
      throws Exception {
    write(dir, 2048, 200);
    List<Path> segments = SegmentFiles.segments(dir);
    SegmentFiles.flip(segments.get(0), 10); // one copy of the first segment's header
    byte[] junk = new byte[Frames.FILE_HEADER];
    new Random(7).nextBytes(junk);
    SegmentFiles.write(segments.get(1), 0, junk); // both copies of the second's
    try (SegmentLog log = open(dir, 2048)) {
      assertThat(texts()).isEqualTo(expected(0, 200));
      assertThat(damaged).isEmpty();
    }
  }

  @Test
  void aLogWhoseOnlyFileHeaderIsGoneIsReadByLengthAndCrc(@TempDir Path dir) throws Exception {
    write(dir, SEGMENT, 50);
    byte[] junk = new byte[Frames.FILE_HEADER];
    new Random(9).nextBytes(junk);
    SegmentFiles.write(SegmentFiles.segments(dir).get(0), 0, junk);
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 50));
      append(log, bodies(50, 51)); // the writer goes on in a new segment with a new salt
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 51));
    }
  }

  @Test
  void aSegmentACrashLeftHalfCreatedIsStartedAgain(@TempDir Path dir) throws Exception {
    write(dir, SEGMENT, 10);
    Path half = dir.resolve(String.format("%020d.seg", 2));
    Files.write(half, "SLUIC".getBytes(StandardCharsets.US_ASCII));
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 10));
      assertThat(append(log, bodies(10, 12)).get(0).segment()).isEqualTo(2);
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 12));
      assertThat(damaged).isEmpty();
    }
  }

  @Test
  void aSegmentAnEarlierVersionQuarantinedIsReadBackInPlace(@TempDir Path dir)
      throws Exception {
    List<SegmentLog.Position> positions = write(dir, 2048, 100);
    Path first = file(dir, positions.get(0));
    SegmentLog.Position hit = positions.get(3);
    SegmentFiles.flip(first, hit.offset() + 20);
    Files.move(first, first.resolveSibling(first.getFileName() + ".quarantined"));
    try (SegmentLog log = open(dir, 2048)) {
      assertThat(texts()).isEqualTo(allBut(100, 3));
      assertThat(first).exists();
    }
  }

  @Test
  void aDamagedLastFrameThatEndsInAFewZerosAtASectorIsDamageNotATornWrite(@TempDir Path dir)
      throws Exception {
    // A batch end whose last sequence number is a multiple of 2^32 ends in four zero bytes;
    // here its last byte is also the first of a sector.
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 10);
    Path segment = file(dir, positions.get(0));
    long end = Files.size(segment);
    long frameEnd = (end + 12 + 8 + 511) / 512 * 512 + 1;
    byte[] body = new byte[(int) (frameEnd - end - 12)];
    java.util.Arrays.fill(body, (byte) 'b');
    java.util.Arrays.fill(body, body.length - 4, body.length, (byte) 0);
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(append(log, List.of(body)).get(0).offset()).isEqualTo(end);
    }
    assertThat(Files.size(segment)).isEqualTo(frameEnd);
    SegmentFiles.flip(segment, end + 12 + 5);
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 10));
      assertThat(log.recovery().truncatedBytes()).isZero();
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.from()).isEqualTo(end);
        assertThat(d.frames()).isEqualTo(1);
      });
      assertThat(Files.size(segment)).isEqualTo(frameEnd);
    }
  }

  @Test
  void zerosAtTheEndOfAFinishedSegmentAreDamageUnlessTheyAreBlockPadding(@TempDir Path dir)
      throws Exception {
    List<SegmentLog.Position> positions = write(dir, 2048, 200);
    List<Path> segments = SegmentFiles.segments(dir);
    Path zeroed = segments.get(1);
    long zeroedEnd = Files.size(zeroed);
    // More zeros than any block's padding: bytes a disk lost, where frames were.
    SegmentFiles.write(zeroed, zeroedEnd, new byte[(int) (128 * 1024 - zeroedEnd % 512)]);
    Path padded = segments.get(2);
    long paddedEnd = Files.size(padded);
    SegmentFiles.write(padded, paddedEnd, new byte[(int) (4096 - paddedEnd % 4096)]);
    try (SegmentLog log = open(dir, 2048)) {
      assertThat(texts()).isEqualTo(expected(0, 200));
      assertThat(damaged).singleElement().satisfies(d -> {
        assertThat(d.segment()).isEqualTo(2);
        assertThat(d.from()).isEqualTo(zeroedEnd);
      });
      assertThat(Files.size(padded)).isEqualTo(paddedEnd); // the padding was cut
      assertThat(Files.size(zeroed)).isGreaterThan(zeroedEnd); // the damage was not
    }
  }

  @Test
  void aLastFrameOfTheEarlierLayoutThatLooksCutShortIsDamageNotATornWrite(@TempDir Path dir)
      throws Exception {
    // Without a check word the length is not to be trusted: a flipped bit in it makes a whole
    // frame look cut short.
    List<byte[]> old = bodies(0, 10);
    ByteBuffer v1 = ByteBuffer.allocate(10 * 64);
    long lastOffset = 0;
    for (byte[] body : old) {
      lastOffset = v1.position();
      v1.putInt(body.length).putInt(Frames.crc(ByteBuffer.wrap(body))).put(body);
    }
    Path legacy = dir.resolve(String.format("%020d.seg", 1));
    Files.write(legacy, java.util.Arrays.copyOf(v1.array(), v1.position()));
    long last = lastOffset;
    SegmentFiles.flip(legacy, last + 2); // +256 bytes: runs past the end
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 9));
      assertThat(log.recovery().truncatedBytes()).isZero();
      assertThat(damaged).singleElement().satisfies(d -> assertThat(d.from()).isEqualTo(last));
      assertThat(Files.size(legacy)).isEqualTo(v1.position());
    }
  }

  @Test
  void aLastSegmentOfNothingButZerosIsStartedAgain(@TempDir Path dir) throws Exception {
    write(dir, SEGMENT, 10);
    Path zeros = dir.resolve(String.format("%020d.seg", 2));
    Files.write(zeros, new byte[8192]); // created, allocated, never written: then the crash
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 10));
      assertThat(damaged).isEmpty();
      assertThat(append(log, bodies(10, 11)).get(0).segment()).isEqualTo(2);
    }
    try (SegmentLog log = open(dir, SEGMENT)) {
      assertThat(texts()).isEqualTo(expected(0, 11));
    }
  }

  @Test
  void everyFrameOfAnUndamagedLogIsWhereTheWalkFindsIt(@TempDir Path dir) throws Exception {
    // The test helper's own walk agrees with the log: the other tests rely on it.
    List<SegmentLog.Position> positions = write(dir, SEGMENT, 40);
    List<Frame> frames = SegmentFiles.frames(SegmentFiles.segments(dir).get(0));
    assertThat(frames).extracting(Frame::offset)
        .isEqualTo(positions.stream().map(SegmentLog.Position::offset).toList());
  }
}
