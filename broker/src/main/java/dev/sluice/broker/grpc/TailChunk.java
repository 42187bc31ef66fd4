package dev.sluice.broker.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A TailResponse written from records' stored bytes: each record was encoded once at append,
 * and every subscriber's message splices those same bytes in as field 1 instead of encoding the
 * record again. On the wire it is an ordinary {@link TailResponse}.
 */
record TailChunk(List<Notice> notices, List<StoredRecord> records) {
  private static final int RECORDS_TAG = (TailResponse.RECORDS_FIELD_NUMBER << 3) | 2;
  private static final int NOTICES_TAG = (TailResponse.NOTICES_FIELD_NUMBER << 3) | 2;

  byte[] toBytes() {
    byte[] bytes = new byte[size()];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
      write(out, size);
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return out;
  }

  private void write(ByteBuf out, int size) {
    out.writeByte(0); // not compressed
    out.writeInt(size);
    for (Notice notice : notices) {
      byte[] bytes = notice.toByteArray();
      out.writeByte(NOTICES_TAG);
      writeVarint(out, bytes.length);
      out.writeBytes(bytes);
    }
    for (StoredRecord record : records) {
      byte[] bytes = record.encoded();
      out.writeByte(RECORDS_TAG);
      writeVarint(out, bytes.length);
      out.writeBytes(bytes);
    }
    if (out.writerIndex() != 5 + size) {
      throw new IllegalStateException("tail message: wrote " + out.writerIndex() + " of "
          + (5 + size) + " bytes");
    }
  }

  private static void writeVarint(ByteBuf out, int value) {
    int v = value;
    while ((v & ~0x7F) != 0) {
      out.writeByte((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  int size() {
    int size = 0;
    for (Notice notice : notices) {
      size += field(NOTICES_TAG, notice.getSerializedSize());
    }
    for (StoredRecord record : records) {
      size += field(RECORDS_TAG, record.encoded().length);
    }
    return size;
  }

  private void writeTo(CodedOutputStream out) throws IOException {
    for (Notice notice : notices) {
      out.writeUInt32NoTag(NOTICES_TAG);
      out.writeUInt32NoTag(notice.getSerializedSize());
      notice.writeTo(out);
    }
    for (StoredRecord record : records) {
      out.writeUInt32NoTag(RECORDS_TAG);
      out.writeUInt32NoTag(record.encoded().length);
      out.writeRawBytes(record.encoded());
    }
  }

  private static int field(int tag, int length) {
    return CodedOutputStream.computeUInt32SizeNoTag(tag)
        + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
  }
}
