package dev.sluice.client.tail;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireReader;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One TailResponse as the client reads it: its notices parsed, its records left in the
 * message's bytes until a consumer asks for them ({@link TailEvent.RecordEvent#record()}), so
 * a tail that counts, forwards or only reads messages never builds every record's labels.
 * Public for consumers that transcode records straight from their bytes (the HTTP gateway):
 * {@link #METHOD} is the Tail call answering with this view.
 *
 * <pre>{@code
 * ClientCall<TailRequest, TailMessage> call = channel.newCall(TailMessage.METHOD, options);
 * // each message: message.bytes(), message.recordOffset(i), message.recordLength(i)
 * }</pre>
 */
public final class TailMessage {
  /** The Tail method with this reading of its responses. */
  public static final MethodDescriptor<TailRequest, TailMessage> METHOD = LogsGrpc.getTailMethod()
      .toBuilder(LogsGrpc.getTailMethod().getRequestMarshaller(), new Reader()).build();

  private final byte[] bytes;
  private final List<Notice> notices;
  private final int[] offsets;
  private final int[] lengths;
  private final int records;

  private TailMessage(byte[] bytes, List<Notice> notices, int[] offsets, int[] lengths,
      int records) {
    this.bytes = bytes;
    this.notices = notices;
    this.offsets = offsets;
    this.lengths = lengths;
    this.records = records;
  }

  /** Starts a Tail call on {@code stub}'s channel and options (its interceptors included). */
  static void call(AbstractStub<?> stub, TailRequest request,
      StreamObserver<TailMessage> observer) {
    Channel channel = stub.getChannel();
    CallOptions options = stub.getCallOptions();
    ClientCall<TailRequest, TailMessage> call = channel.newCall(METHOD, options);
    ClientCalls.asyncServerStreamingCall(call, request, observer);
  }

  /** Notices first, then records: the order the broker means them in. */
  int events() {
    return notices.size() + records;
  }

  /** The number of records. */
  public int records() {
    return records;
  }

  /** The notices, which apply before the records. */
  public List<Notice> notices() {
    return notices;
  }

  /** The whole message's bytes (not a copy: do not change them). */
  public byte[] bytes() {
    return bytes;
  }

  /** Where record {@code i}'s encoding starts in {@link #bytes()}. */
  public int recordOffset(int i) {
    return offsets[i];
  }

  /** The length of record {@code i}'s encoding. */
  public int recordLength(int i) {
    return lengths[i];
  }

  TailEvent event(int index) {
    return index < notices.size() ? new TailEvent.NoticeEvent(notices.get(index))
        : record(index - notices.size());
  }

  /** Record {@code i} of the message as the SDK hands it on: its fields read lazily. */
  public TailEvent.RecordEvent record(int i) {
    return new TailEvent.RecordEvent(bytes, offsets[i], lengths[i]);
  }

  /** Finds the records and parses the notices of one encoded TailResponse. */
  public static TailMessage parse(byte[] bytes) throws IOException {
    WireReader in = new WireReader().reset(bytes, 0, bytes.length);
    List<Notice> notices = List.of();
    int[] offsets = new int[16];
    int[] lengths = new int[16];
    int n = 0;
    while (!in.atEnd()) {
      int tag = in.readTag();
      if (tag == Tags.TAIL_RECORDS) {
        int length = in.readLength();
        if (n == offsets.length) {
          offsets = java.util.Arrays.copyOf(offsets, n * 2);
          lengths = java.util.Arrays.copyOf(lengths, n * 2);
        }
        offsets[n] = in.position();
        lengths[n] = length;
        n++;
        in.skip(length);
      } else if (tag == Tags.TAIL_NOTICES) {
        int length = in.readLength();
        if (notices.isEmpty()) {
          notices = new ArrayList<>(1);
        }
        notices.add(Notice.parser().parseFrom(bytes, in.position(), length));
        in.skip(length);
      } else {
        in.skipField(tag);
      }
    }
    return new TailMessage(bytes, notices, offsets, lengths, n);
  }

  /** Reads responses off the wire: one copy of the message's bytes, no record parsed. */
  private static final class Reader implements MethodDescriptor.Marshaller<TailMessage> {
    @Override
    public InputStream stream(TailMessage value) {
      throw new UnsupportedOperationException("the client only reads TailResponses");
    }

    @Override
    public TailMessage parse(InputStream stream) {
      try {
        return TailMessage.parse(WireReader.readAll(stream));
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e)
            .asRuntimeException();
      }
    }
  }
}
