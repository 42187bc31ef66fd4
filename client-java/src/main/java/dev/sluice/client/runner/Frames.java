package dev.sluice.client.runner;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.proto.wire.Varints;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the runner sends, encoded once: each line becomes its LogLine bytes when it is logged
 * (on the logging thread, with one UTF-8 pass), and a batch frame is those bytes behind a
 * few bytes of framing, written straight into the transport's buffers. The bytes are exactly
 * what protobuf writes for the same LogLine and IngestFrame.
 */
final class Frames {
  private static final int MESSAGE_TAG = LogLine.MESSAGE_FIELD_NUMBER << 3 | 2;
  private static final int REQUEST_TAG = LogLine.REQUEST_ID_FIELD_NUMBER << 3 | 2;
  private static final int LINES_TAG = LogBatch.LINES_FIELD_NUMBER << 3 | 2;
  private static final int BATCH_TAG = IngestFrame.BATCH_FIELD_NUMBER << 3 | 2;

  private Frames() {}

  /** The Ingest method with frames written by {@link Marshaller}: requests are {@link Out}. */
  static final MethodDescriptor<Out, IngestReply> METHOD = IngestGrpc.getStreamMethod()
      .toBuilder(new Marshaller(), IngestGrpc.getStreamMethod().getResponseMarshaller()).build();

  /** One frame to send: a built frame (Hello, request events), or a batch of encoded lines. */
  record Out(IngestFrame frame, long firstSeq, List<byte[]> lines, int linesBytes) {
    static Out of(IngestFrame frame) {
      return new Out(frame, 0, null, 0);
    }

    static Out batch(long firstSeq, List<byte[]> lines, int linesBytes) {
      return new Out(null, firstSeq, lines, linesBytes);
    }

    /** The LogBatch's encoded size. */
    int batchSize() {
      return CodedOutputStream.computeUInt64Size(LogBatch.FIRST_SEQ_FIELD_NUMBER, firstSeq)
          + linesBytes;
    }

    int size() {
      if (frame != null) {
        return frame.getSerializedSize();
      }
      int batch = batchSize();
      return CodedOutputStream.computeUInt32SizeNoTag(BATCH_TAG)
          + CodedOutputStream.computeUInt32SizeNoTag(batch) + batch;
    }

    /** Protobuf's IngestFrame of this frame (for tests and the rare reader). */
    IngestFrame toFrame() {
      if (frame != null) {
        return frame;
      }
      try {
        return IngestFrame.parseFrom(toBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    byte[] toBytes() {
      byte[] out = new byte[size()];
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      try {
        write(coded);
        coded.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }

    void write(CodedOutputStream out) throws IOException {
      if (frame != null) {
        frame.writeTo(out);
        return;
      }
      out.writeUInt32NoTag(BATCH_TAG);
      out.writeUInt32NoTag(batchSize());
      out.writeUInt64(LogBatch.FIRST_SEQ_FIELD_NUMBER, firstSeq);
      for (byte[] line : lines) {
        out.writeRawBytes(line);
      }
    }
  }

  /**
   * A line as one entry of a LogBatch's {@code lines}: tag, length, then the LogLine's own
   * fields. Lines with structured fields go through protobuf; the common line is written
   * directly (its message's UTF-8 bytes once, then copied into place).
   */
  static byte[] line(long timeUnixNano, Level level, Stream stream, String message,
      String requestId, java.util.Map<String, String> fields) {
    if (fields != null && !fields.isEmpty()) {
      LogLine.Builder b = LogLine.newBuilder().setTimeUnixNano(timeUnixNano).setLevel(level)
          .setStream(stream).setMessage(message).setRequestId(requestId);
      fields.forEach((k, v) -> {
        if (k != null) {
          b.putFields(k, v == null ? "null" : v);
        }
      });
      return entry(b.build().toByteArray());
    }
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    // Request ids are subject tokens (ASCII): their chars are their bytes, written in place.
    byte[] request = ascii(requestId) ? null : requestId.getBytes(StandardCharsets.UTF_8);
    int requestLength = request == null ? requestId.length() : request.length;
    int body = (timeUnixNano == 0 ? 0 : 1 + Varints.size(timeUnixNano))
        + (level.getNumber() == 0 ? 0 : 1 + Varints.size(level.getNumber()))
        + (stream.getNumber() == 0 ? 0 : 1 + Varints.size(stream.getNumber()))
        + field(text.length) + field(requestLength);
    // Written by hand, as protobuf writes it: this runs for every line logged, and a
    // CodedOutputStream per line was a tenth of the logging thread's time.
    byte[] out = new byte[1 + Varints.size(body) + body];
    int at = 0;
    out[at++] = (byte) LINES_TAG;
    at = Varints.write(body, out, at);
    if (timeUnixNano != 0) {
      out[at++] = (byte) (LogLine.TIME_UNIX_NANO_FIELD_NUMBER << 3);
      at = Varints.write(timeUnixNano, out, at);
    }
    if (level.getNumber() != 0) {
      out[at++] = (byte) (LogLine.LEVEL_FIELD_NUMBER << 3);
      at = Varints.write(level.getNumber(), out, at);
    }
    if (stream.getNumber() != 0) {
      out[at++] = (byte) (LogLine.STREAM_FIELD_NUMBER << 3);
      at = Varints.write(stream.getNumber(), out, at);
    }
    if (text.length > 0) {
      out[at++] = (byte) MESSAGE_TAG;
      at = Varints.write(text.length, out, at);
      System.arraycopy(text, 0, out, at, text.length);
      at += text.length;
    }
    if (requestLength > 0) {
      out[at++] = (byte) REQUEST_TAG;
      at = Varints.write(requestLength, out, at);
      if (request != null) {
        System.arraycopy(request, 0, out, at, requestLength);
      } else {
        for (int i = 0; i < requestLength; i++) {
          out[at + i] = (byte) requestId.charAt(i);
        }
      }
      at += requestLength;
    }
    if (at != out.length) {
      throw new IllegalStateException("line encoded in " + at + " of " + out.length + " bytes");
    }
    return out;
  }

  private static boolean ascii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static int field(int length) {
    return length == 0 ? 0 : 1 + Varints.size(length) + length;
  }

  private static byte[] entry(byte[] line) {
    byte[] out = new byte[1 + CodedOutputStream.computeUInt32SizeNoTag(line.length) + line.length];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeUInt32NoTag(LINES_TAG);
      coded.writeUInt32NoTag(line.length);
      coded.writeRawBytes(line);
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Writes frames; the runner never reads an IngestFrame. */
  private static final class Marshaller implements MethodDescriptor.Marshaller<Out> {
    @Override
    public InputStream stream(Out value) {
      return new OutStream(value);
    }

    @Override
    public Out parse(InputStream stream) {
      throw new UnsupportedOperationException("the runner only writes IngestFrames");
    }
  }

  /** Drains a frame straight into the transport's buffers (gRPC drains a Drainable). */
  private static final class OutStream extends InputStream implements Drainable, KnownLength {
    private Out frame;
    private ByteArrayInputStream bytes;

    OutStream(Out frame) {
      this.frame = frame;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (bytes != null) {
        return (int) bytes.transferTo(target);
      }
      int size = frame.size();
      if (frame.frame() != null) {
        CodedOutputStream out = CodedOutputStream.newInstance(target, Math.min(size, 8192));
        frame.write(out);
        out.flush();
      } else {
        // The framing, then each line's bytes as they are: one copy, into the transport.
        byte[] head = new byte[32];
        CodedOutputStream out = CodedOutputStream.newInstance(head);
        out.writeUInt32NoTag(BATCH_TAG);
        out.writeUInt32NoTag(frame.batchSize());
        out.writeUInt64(LogBatch.FIRST_SEQ_FIELD_NUMBER, frame.firstSeq());
        target.write(head, 0, out.getTotalBytesWritten());
        for (byte[] line : frame.lines()) {
          target.write(line);
        }
      }
      frame = null;
      bytes = new ByteArrayInputStream(new byte[0]);
      return size;
    }

    private ByteArrayInputStream bytes() {
      if (bytes == null) {
        bytes = new ByteArrayInputStream(frame.toBytes());
        frame = null;
      }
      return bytes;
    }

    @Override
    public int available() {
      return bytes == null ? frame.size() : bytes.available();
    }

    @Override
    public int read() {
      return bytes().read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return bytes().read(b, off, len);
    }
  }
}
