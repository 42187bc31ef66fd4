package dev.sluice.broker.grpc;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A TailResponse written from records' stored bytes: each record was encoded once at append,
 * and every subscriber's message splices those same bytes in as its {@code records} instead of
 * encoding the record again. On the wire it is an ordinary {@link TailResponse}.
 */
record TailChunk(List<Notice> notices, List<StoredRecord> records) {
  byte[] toBytes() {
    byte[] bytes = new byte[size()];
    writeTo(ByteBuffer.wrap(bytes));
    return bytes;
  }

  /**
   * The chunk as one gRPC message on the wire: the 5-byte length prefix, then the
   * TailResponse, written into one buffer from {@code alloc}. A direct buffer is what the
   * socket takes as it is: a heap array would be zeroed, filled, then copied into a direct
   * buffer again by the transport, a third of the tail's sending time. The caller owns the
   * buffer (and releases it once written).
   */
  ByteBuf toGrpcMessage(ByteBufAllocator alloc) {
    int size = size();
    ByteBuf out = alloc.directBuffer(5 + size, 5 + size);
    try {
      out.writeByte(0); // not compressed
      out.writeInt(size);
      writeTo(out.nioBuffer(5, size));
      out.writerIndex(5 + size);
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return out;
  }

  /** Writes the TailResponse into {@code out}, which it must fill exactly. */
  private void writeTo(ByteBuffer out) {
    for (Notice notice : notices) {
      byte[] bytes = notice.toByteArray();
      WireWriter.delimitedHead(Tags.TAIL_NOTICES, bytes.length, out);
      out.put(bytes);
    }
    for (StoredRecord record : records) {
      byte[] bytes = record.encoded();
      WireWriter.delimitedHead(Tags.TAIL_RECORDS, bytes.length, out);
      out.put(bytes);
    }
    if (out.hasRemaining()) {
      throw new IllegalStateException("tail message: " + out.remaining() + " of "
          + out.capacity() + " bytes not written");
    }
  }

  int size() {
    int size = 0;
    for (Notice notice : notices) {
      size += WireWriter.delimitedSize(Tags.TAIL_NOTICES, notice.getSerializedSize());
    }
    for (StoredRecord record : records) {
      size += WireWriter.delimitedSize(Tags.TAIL_RECORDS, record.encoded().length);
    }
    return size;
  }
}
