package dev.sluice.broker.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an account's records back from the segments, block by block as the index planned:
 * other accounts' entries and session entries are skipped by their header, records before the
 * wanted position by their sequence (peeked, not parsed). Blocking: the store calls it on its
 * reader threads.
 */
final class DiskReader {
  private final SegmentLog log;

  DiskReader(SegmentLog log) {
    this.log = log;
  }

  /** Reads what {@code plan} names of {@code account}'s records, as {@code scan} asks. */
  LogStore.ReadResult read(byte[] account, Scan scan, BlockIndex.Plan plan) throws IOException {
    List<StoredRecord> out = new ArrayList<>(Math.min(scan.max(), 1024));
    long examined = Math.max(scan.afterSeq(), plan.skippedTo());
    for (BlockIndex.Snapshot block : plan.blocks()) {
      long[] last = {examined};
      boolean[] full = {false};
      log.scan(new Position(block.segment(), block.offset()), (position, body) -> {
        if (body.get(0) != SegmentStore.RECORD || !isAccount(body, account)) {
          return true;
        }
        int payload = 3 + account.length;
        long peeked = peekSeq(body, payload);
        if (peeked > block.lastSeq()) {
          return false;
        }
        if (peeked >= 0 && peeked <= last[0]) {
          return true; // before the wanted position: not worth parsing
        }
        byte[] bytes = new byte[body.limit() - payload];
        body.get(payload, bytes);
        Record wire;
        try {
          wire = Record.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("stored record does not parse", e);
        }
        long seq = wire.getSeq();
        if (seq > block.lastSeq()) {
          return false;
        }
        if (seq > last[0]) {
          out.add(new StoredRecord(seq, wire, bytes));
          last[0] = seq;
          if (out.size() >= scan.max()) {
            full[0] = true;
            return false;
          }
        }
        return seq < block.lastSeq();
      });
      examined = full[0] ? last[0] : Math.max(last[0], block.lastSeq());
      if (full[0]) {
        break;
      }
    }
    return new LogStore.ReadResult(out, plan.missing(), examined);
  }

  /**
   * The record's sequence without parsing it: {@link StoredRecord#of} writes it first (field 1,
   * a varint). -1 if the bytes do not start that way.
   */
  static long peekSeq(ByteBuffer body, int at) {
    if (at >= body.limit() || body.get(at) != 0x08) {
      return -1;
    }
    long value = 0;
    for (int shift = 0, i = at + 1; shift < 64 && i < body.limit(); shift += 7, i++) {
      byte b = body.get(i);
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    return -1;
  }

  private static boolean isAccount(ByteBuffer body, byte[] name) {
    if ((body.getShort(1) & 0xffff) != name.length) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (body.get(3 + i) != name[i]) {
        return false;
      }
    }
    return true;
  }
}
