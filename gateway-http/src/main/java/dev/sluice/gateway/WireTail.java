package dev.sluice.gateway;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One Tail message as the broker sent it: its records stay protobuf bytes (found, not
 * parsed), for {@link WireJson} to write as JSON without decoding a string. Parsing every
 * record into objects, with each string decoded from UTF-8 only to be encoded again, was a
 * fifth of the gateway's CPU on a busy SSE tail (bench/README.md, "Gateway"). Notices are few
 * and parsed.
 */
final class WireTail {
  /** The Tail method with this class as its answer. */
  static final MethodDescriptor<TailRequest, WireTail> METHOD = LogsGrpc.getTailMethod()
      .toBuilder(LogsGrpc.getTailMethod().getRequestMarshaller(), new Marshaller()).build();

  private static final int RECORD_TAG = TailResponse.RECORDS_FIELD_NUMBER << 3
      | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int NOTICE_TAG = TailResponse.NOTICES_FIELD_NUMBER << 3
      | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  final byte[] bytes;
  final List<Notice> notices;
  private int[] offsets = new int[64];
  private int[] lengths = new int[64];
  private int records;

  private WireTail(byte[] bytes, List<Notice> notices) {
    this.bytes = bytes;
    this.notices = notices;
  }

  /** Finds the records of one TailResponse; a message that does not parse is an error. */
  static WireTail parse(byte[] bytes) throws IOException {
    List<Notice> notices = new ArrayList<>(0);
    WireTail tail = new WireTail(bytes, notices);
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == RECORD_TAG) {
        int length = in.readRawVarint32();
        tail.add(in.getTotalBytesRead(), length);
        in.skipRawBytes(length);
      } else if (tag == NOTICE_TAG) {
        notices.add(Notice.parseFrom(in.readBytes()));
      } else {
        in.skipField(tag);
      }
    }
    return tail;
  }

  private void add(int offset, int length) {
    if (records == offsets.length) {
      offsets = java.util.Arrays.copyOf(offsets, records * 2);
      lengths = java.util.Arrays.copyOf(lengths, records * 2);
    }
    offsets[records] = offset;
    lengths[records] = length;
    records++;
  }

  int records() {
    return records;
  }

  int offset(int i) {
    return offsets[i];
  }

  int length(int i) {
    return lengths[i];
  }

  /** Reads an answer into a {@link WireTail}; requests are not sent through it. */
  private static final class Marshaller implements MethodDescriptor.Marshaller<WireTail> {
    @Override
    public InputStream stream(WireTail value) {
      throw new UnsupportedOperationException("the gateway only reads Tail answers");
    }

    @Override
    public WireTail parse(InputStream stream) {
      try {
        return WireTail.parse(stream.readAllBytes());
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("a Tail message from the broker does not parse: "
            + e.getMessage()).withCause(e).asRuntimeException();
      } catch (RuntimeException e) {
        throw Status.INTERNAL.withDescription("a Tail message from the broker does not parse")
            .withCause(e).asRuntimeException();
      }
    }
  }
}
