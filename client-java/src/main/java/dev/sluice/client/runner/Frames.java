package dev.sluice.client.runner;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireWriter;
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
      return WireWriter.varintFieldSize(Tags.BATCH_FIRST_SEQ, firstSeq) + linesBytes;
    }

    int size() {
      if (frame != null) {
        return frame.getSerializedSize();
      }
      return WireWriter.delimitedSize(Tags.FRAME_BATCH, batchSize());
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
      if (frame != null) {
        return frame.toByteArray();
      }
      byte[] out = new byte[size()];
      int at = head(out);
      for (byte[] line : lines) {
        System.arraycopy(line, 0, out, at, line.length);
        at += line.length;
      }
      return out;
    }

    /**
     * Writes a batch frame's bytes before its lines (the frame's batch field, the batch's
     * first_seq) at {@code out[0]}; returns where the lines go.
     */
    int head(byte[] out) {
      int at = WireWriter.delimitedHead(Tags.FRAME_BATCH, batchSize(), out, 0);
      return WireWriter.varintField(Tags.BATCH_FIRST_SEQ, firstSeq, out, at);
    }
  }

  /**
   * A line as one entry of a LogBatch's {@code lines}: tag, length, then the LogLine's own
   * fields. Lines with structured fields go through protobuf; the common line is written
   * directly (its message's UTF-8 bytes once, then copied into place).
   */
  static byte[] line(long timeUnixNano, Level level, Stream stream, String message,
      String requestId, java.util.Map<String, String> fields) {
    return line(timeUnixNano, level, stream, message, requestId, fields, null);
  }

  /** {@code text} in pieces of at most {@code max} chars, never cut inside a surrogate pair. */
  static java.util.List<String> pieces(String text, int max) {
    java.util.List<String> pieces = new java.util.ArrayList<>();
    for (int start = 0; start < text.length(); ) {
      int end = Math.min(text.length(), start + max);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end--;
      }
      pieces.add(text.substring(start, end));
      start = end;
    }
    return pieces;
  }

  /** A line's OpenTelemetry trace and span ids (either may be empty). */
  record Ids(String traceId, String spanId) {}

  static byte[] line(long timeUnixNano, Level level, Stream stream, String message,
      String requestId, java.util.Map<String, String> fields, Ids ids) {
    if (fields != null && !fields.isEmpty()) {
      LogLine.Builder b = LogLine.newBuilder().setTimeUnixNano(timeUnixNano).setLevel(level)
          .setStream(stream).setMessage(message).setRequestId(requestId);
      if (ids != null) {
        b.setTraceId(ids.traceId()).setSpanId(ids.spanId());
      }
      fields.forEach((k, v) -> {
        if (k != null) {
          b.putFields(k, v == null ? "null" : v);
        }
      });
      return WireWriter.messageField(Tags.BATCH_LINES, b.build().toByteArray());
    }
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    // Request ids are subject tokens (ASCII): their chars are their bytes, written in place.
    byte[] request = ascii(requestId) ? null : requestId.getBytes(StandardCharsets.UTF_8);
    int requestLength = request == null ? requestId.length() : request.length;
    int body = WireWriter.varintFieldSize(Tags.LINE_TIME, timeUnixNano)
        + WireWriter.varintFieldSize(Tags.LINE_LEVEL, level.getNumber())
        + WireWriter.varintFieldSize(Tags.LINE_STREAM, stream.getNumber())
        + WireWriter.stringFieldSize(Tags.LINE_MESSAGE, text.length)
        + WireWriter.stringFieldSize(Tags.LINE_REQUEST_ID, requestLength);
    if (ids != null) {
      body += textFieldSize(Tags.LINE_TRACE_ID, ids.traceId())
          + textFieldSize(Tags.LINE_SPAN_ID, ids.spanId());
    }
    // Written by hand, as protobuf writes it: this runs for every line logged, and a
    // CodedOutputStream per line was a tenth of the logging thread's time (and a LogLine
    // built per line, inside a span, two thirds of it).
    byte[] out = new byte[WireWriter.delimitedSize(Tags.BATCH_LINES, body)];
    int at = WireWriter.delimitedHead(Tags.BATCH_LINES, body, out, 0);
    at = WireWriter.varintField(Tags.LINE_TIME, timeUnixNano, out, at);
    at = WireWriter.varintField(Tags.LINE_LEVEL, level.getNumber(), out, at);
    at = WireWriter.varintField(Tags.LINE_STREAM, stream.getNumber(), out, at);
    at = WireWriter.stringField(Tags.LINE_MESSAGE, text, 0, text.length, out, at);
    if (requestLength > 0) {
      at = WireWriter.delimitedHead(Tags.LINE_REQUEST_ID, requestLength, out, at);
      if (request != null) {
        System.arraycopy(request, 0, out, at, requestLength);
      } else {
        for (int i = 0; i < requestLength; i++) {
          out[at + i] = (byte) requestId.charAt(i);
        }
      }
      at += requestLength;
    }
    if (ids != null) {
      at = textField(Tags.LINE_TRACE_ID, ids.traceId(), out, at);
      at = textField(Tags.LINE_SPAN_ID, ids.spanId(), out, at);
    }
    if (at != out.length) {
      throw new IllegalStateException("line encoded in " + at + " of " + out.length + " bytes");
    }
    return out;
  }

  /** A string field's size as written; nothing for an empty string, as protobuf writes it. */
  private static int textFieldSize(int tag, String value) {
    return value.isEmpty() ? 0 : WireWriter.stringFieldSize(tag, ascii(value) ? value.length()
        : value.getBytes(StandardCharsets.UTF_8).length);
  }

  private static int textField(int tag, String value, byte[] out, int at) {
    if (value.isEmpty()) {
      return at;
    }
    if (!ascii(value)) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      return WireWriter.stringField(tag, bytes, 0, bytes.length, out, at);
    }
    int length = value.length();
    at = WireWriter.delimitedHead(tag, length, out, at);
    for (int i = 0; i < length; i++) {
      out[at + i] = (byte) value.charAt(i);
    }
    return at + length;
  }

  private static boolean ascii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
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
        frame.frame().writeTo(out);
        out.flush();
      } else {
        // The framing, then each line's bytes as they are: one copy, into the transport.
        byte[] head = new byte[32];
        target.write(head, 0, frame.head(head));
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
