package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.SegmentLog.Damage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The side file beside a segment ({@code <segment>.damaged}) that lists the damaged byte ranges
 * recovery read past and left in place. The next start reads it, so damage found before is
 * told as known rather than as new; retention deletes it with its segment. Also the renaming
 * back of segments that earlier versions set aside whole.
 */
final class DamageFiles {
  // Logs as recovery: what an operator reads names recovery, not its parts.
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);
  private static final String DAMAGED = ".damaged";
  private static final String QUARANTINED = ".quarantined"; // what earlier versions renamed to

  private DamageFiles() {}

  /** The side file of {@code segment}. */
  static Path side(Path segment) {
    return segment.resolveSibling(segment.getFileName() + DAMAGED);
  }

  /** What the side file lists, or "" if there is none. */
  static String listed(Path side) throws IOException {
    return Files.exists(side) ? Files.readString(side) : "";
  }

  /** True if {@code listed} names this range already: an earlier start found it. */
  static boolean known(String listed, long from, long to, int frames) {
    return listed.contains("\n" + line(from, to, frames));
  }

  private static String line(long from, long to, int frames) {
    return from + " " + to + " " + (to - from) + " " + frames + "\n";
  }

  /**
   * Says what was found and writes the side file naming the damaged ranges of a segment,
   * unless it lists exactly these already (an earlier start found them).
   */
  static void record(Path side, String listed, List<Damage> found) throws IOException {
    StringBuilder text = new StringBuilder("# Damaged byte ranges of ")
        .append(found.get(0).file()).append(", found by recovery and left in place.\n")
        .append("# from (inclusive), to (exclusive), bytes, frames (-1: unknown)\n");
    for (Damage d : found) {
      text.append(line(d.from(), d.to(), d.frames()));
      if (d.known()) {
        LOG.warn("recovery: {} (known: listed in {})", d, side.getFileName());
      } else {
        LOG.error("recovery: {}; read past it: every intact frame before and after it is kept, "
            + "the bytes stay in place (listed in {})", d, side.getFileName());
      }
    }
    if (!text.toString().equals(listed)) {
      Path temp = side.resolveSibling(side.getFileName() + ".tmp");
      Files.writeString(temp, text);
      Files.move(temp, side, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Earlier versions renamed a damaged segment aside; it is read past its damage now. */
  static void restoreQuarantined(Path dir) throws IOException {
    List<Path> quarantined;
    try (Stream<Path> list = Files.list(dir)) {
      quarantined = list.filter(p -> p.getFileName().toString()
          .endsWith(SegmentLog.SUFFIX + QUARANTINED)).toList();
    }
    for (Path file : quarantined) {
      String name = file.getFileName().toString();
      Path back = file.resolveSibling(name.substring(0, name.length() - QUARANTINED.length()));
      if (!Files.exists(back)) {
        Files.move(file, back, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("recovery: {} is read past its damage now; renamed back to {}", name,
            back.getFileName());
      }
    }
  }
}
