package dev.sluice.broker.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.MethodDescriptor.Marshaller;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
    int size = 0;
    for (Notice notice : notices) {
      size += field(NOTICES_TAG, notice.getSerializedSize());
    }
    for (StoredRecord record : records) {
      size += field(RECORDS_TAG, record.encoded().length);
    }
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
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
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }

  private static int field(int tag, int length) {
    return CodedOutputStream.computeUInt32SizeNoTag(tag)
        + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
  }

  /** Writes chunks; the broker never parses a TailResponse, so parse is not supported. */
  static final class ChunkMarshaller implements Marshaller<TailChunk> {
    @Override
    public InputStream stream(TailChunk chunk) {
      return new ByteArrayInputStream(chunk.toBytes());
    }

    @Override
    public TailChunk parse(InputStream stream) {
      throw new UnsupportedOperationException("the broker only writes TailResponse");
    }
  }
}
