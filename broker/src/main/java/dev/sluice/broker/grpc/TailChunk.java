package dev.sluice.broker.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
   * TailResponse, in one array (copying the records' bytes once is cheaper than handing the
   * transport a composite of every record's own array).
   */
  ByteBuf toGrpcMessage() {
    int size = size();
    byte[] bytes = new byte[5 + size];
    bytes[1] = (byte) (size >>> 24); // bytes[0] = 0: not compressed
    bytes[2] = (byte) (size >>> 16);
    bytes[3] = (byte) (size >>> 8);
    bytes[4] = (byte) size;
    CodedOutputStream out = CodedOutputStream.newInstance(bytes, 5, size);
    try {
      writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Unpooled.wrappedBuffer(bytes);
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
