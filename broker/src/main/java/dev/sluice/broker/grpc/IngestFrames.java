package dev.sluice.broker.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.ingest.RawBatch;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireReader;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads Ingest frames for the broker: a frame that is only a log batch stays in its bytes as a
 * {@link RawBatch} (most frames, and the ones whose lines would otherwise each become a parsed
 * message and a String), any other frame is parsed as an {@link IngestFrame}. Malformed frames
 * fail as the generated marshaller fails them.
 */
final class IngestFrames implements PrototypeMarshaller<Object> {
  /** One frame as read: exactly one of {@code frame} and {@code batch} is set. */
  record In(IngestFrame frame, RawBatch batch) {
    /**
     * The frame a call received: what {@link #parse} made, or, for gRPC's JSON format (which
     * the Vert.x bridge decodes with the prototype's own parser), a parsed IngestFrame.
     */
    static In of(Object received) {
      return received instanceof In in ? in : new In((IngestFrame) received, null);
    }
  }

  private final int maxLines;

  /** Reads batches of at most {@code maxLines} lines; the lines of a longer one are counted. */
  IngestFrames(int maxLines) {
    this.maxLines = maxLines;
  }

  /**
   * The Vert.x bridge wants a protobuf prototype (it decodes JSON-format calls with it), so the
   * marshaller's type is Object: an {@link In}, or an IngestFrame from that JSON path.
   */
  @Override
  public Object getMessagePrototype() {
    return IngestFrame.getDefaultInstance();
  }

  @Override
  public Class<Object> getMessageClass() {
    return Object.class;
  }

  @Override
  public InputStream stream(Object value) {
    // The broker never sends IngestFrames; this is for completeness.
    In in = In.of(value);
    return in.frame() != null ? in.frame().toByteString().newInput()
        : new ByteArrayInputStream(new byte[0]);
  }

  @Override
  public In parse(InputStream stream) {
    try {
      return read(WireReader.readAll(stream));
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e)
          .asRuntimeException();
    }
  }

  /** The frame in {@code bytes}, which it keeps (a batch's lines stay in them). */
  In read(byte[] bytes) throws InvalidProtocolBufferException {
    return read(bytes, 0, bytes.length);
  }

  /**
   * The frame in {@code bytes[offset, offset + length)}; a batch reads its lines from there, so
   * the bytes must stay unchanged until the batch is stored.
   */
  In read(byte[] bytes, int offset, int length) throws InvalidProtocolBufferException {
    RawBatch batch = onlyBatch(bytes, offset, length, maxLines);
    if (batch != null) {
      return new In(null, batch);
    }
    try {
      return new In(IngestFrame.parseFrom(CodedInputStream.newInstance(bytes, offset, length)),
          null);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** The batch, if the frame is one batch field and nothing else; else null. */
  private static RawBatch onlyBatch(byte[] bytes, int from, int size, int maxLines)
      throws InvalidProtocolBufferException {
    WireReader in = new WireReader().reset(bytes, from, from + size);
    if (in.atEnd() || in.readTag() != Tags.FRAME_BATCH) {
      return null;
    }
    long length = in.readVarint();
    int offset = in.position();
    if (length != from + size - offset) {
      return null; // more than a batch (or framing the generic parser will judge)
    }
    return RawBatch.parse(bytes, offset, (int) length, maxLines);
  }
}
