package dev.sluice.proto.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared primitives against protobuf itself, on every field of every message a hand codec
 * touches ({@link FieldWalk#HAND_CODED} and all inside them): a generic decoder built on
 * {@link WireReader} recovers each message protobuf wrote, and a generic encoder built on
 * {@link WireWriter} writes protobuf's bytes. The codecs themselves are held to protobuf by
 * their own modules' tests, with the same walk.
 */
class WireDifferentialTest {
  private static final int TYPE_BITS = 3;

  @Test
  void readsEveryFieldOfEveryHandCodedMessageAsProtobufWroteIt() throws Exception {
    for (Message root : FieldWalk.HAND_CODED) {
      for (FieldWalk.Case c : FieldWalk.cases(root)) {
        byte[] bytes = c.message().toByteArray();
        WireReader in = new WireReader().reset(bytes, 0, bytes.length);
        Message read = read(bytes, in, c.message().newBuilderForType());
        assertThat(read).as(c.name()).isEqualTo(c.message());
      }
    }
  }

  @Test
  void writesEveryFieldOfEveryHandCodedMessageAsProtobufDoes() {
    for (Message root : FieldWalk.HAND_CODED) {
      for (FieldWalk.Case c : FieldWalk.cases(root)) {
        byte[] out = new byte[size(c.message())];
        int end = write(c.message(), out, 0);
        assertThat(end).as(c.name()).isEqualTo(out.length);
        assertThat(out).as(c.name()).isEqualTo(c.message().toByteArray());
      }
    }
  }

  @Test
  void walksEveryMessageTypeInsideTheHandCodedOnes() {
    assertThat(FieldWalk.types(FieldWalk.HAND_CODED)).extracting(Descriptor::getName)
        .contains("IngestFrame", "Hello", "LogBatch", "LogLine", "RequestStart", "RequestEnd",
            "Record", "Labels", "RequestInfo", "TailResponse", "Notice", "FieldsEntry");
  }

  // ---- a generic decoder on WireReader ----------------------------------------------------

  private static Message read(byte[] bytes, WireReader in, Message.Builder builder)
      throws InvalidProtocolBufferException {
    Descriptor type = builder.getDescriptorForType();
    while (!in.atEnd()) {
      int tag = in.readTag();
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      assertThat(field).as("%s field %d", type.getName(), tag >>> TYPE_BITS).isNotNull();
      assertThat(tag).as("%s's tag", field.getFullName()).isEqualTo(tag(field));
      Object value = switch (field.getType()) {
        case INT32, UINT32 -> (int) in.readVarint();
        case INT64, UINT64 -> in.readVarint();
        case BOOL -> in.readVarint() != 0;
        case ENUM -> field.getEnumType().findValueByNumberCreatingIfUnknown(
            (int) in.readVarint());
        case STRING, BYTES -> {
          int length = in.readLength();
          ByteString content = ByteString.copyFrom(bytes, in.position(), length);
          in.skip(length);
          yield field.getType() == FieldDescriptor.Type.STRING ? content.toStringUtf8()
              : content;
        }
        case MESSAGE -> {
          int outer = in.enter(in.readLength());
          Message nested = read(bytes, in, builder.newBuilderForField(field));
          in.exit(outer);
          yield nested;
        }
        default -> throw new AssertionError("no hand codec reads " + field.getFullName());
      };
      if (field.isRepeated()) {
        builder.addRepeatedField(field, value);
      } else {
        builder.setField(field, value);
      }
    }
    return builder.build();
  }

  // ---- a generic encoder on WireWriter ----------------------------------------------------

  private static int size(Message message) {
    int size = 0;
    for (Map.Entry<FieldDescriptor, Object> field : fields(message)) {
      for (Object value : values(field)) {
        size += size(message, field.getKey(), value);
      }
    }
    return size;
  }

  private static int size(Message message, FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case MESSAGE -> WireWriter.delimitedSize(tag(field), size((Message) value));
      case STRING, BYTE_STRING -> {
        int length = bytes(value).length;
        yield omitted(message, field, length == 0) ? 0
            : WireWriter.delimitedSize(tag(field), length);
      }
      default -> WireWriter.varintFieldSize(tag(field), number(field, value));
    };
  }

  private static int write(Message message, byte[] out, int from) {
    int at = from;
    for (Map.Entry<FieldDescriptor, Object> entry : fields(message)) {
      FieldDescriptor field = entry.getKey();
      for (Object value : values(entry)) {
        switch (field.getJavaType()) {
          case MESSAGE -> {
            Message nested = (Message) value;
            at = WireWriter.delimitedHead(tag(field), size(nested), out, at);
            at = write(nested, out, at);
          }
          case STRING, BYTE_STRING -> {
            byte[] content = bytes(value);
            if (!omitted(message, field, content.length == 0)) {
              at = WireWriter.delimited(tag(field), content, 0, content.length, out, at);
            }
          }
          default -> at = WireWriter.varintField(tag(field), number(field, value), out, at);
        }
      }
    }
    return at;
  }

  /** The fields protobuf writes, in number order; a map entry's key and value always. */
  private static List<Map.Entry<FieldDescriptor, Object>> fields(Message message) {
    List<Map.Entry<FieldDescriptor, Object>> fields = new ArrayList<>();
    boolean entry = message.getDescriptorForType().getOptions().getMapEntry();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getContainingOneof() != null && field.getJavaType()
          != FieldDescriptor.JavaType.MESSAGE) {
        throw new AssertionError("a scalar in a oneof is written even when 0: "
            + field.getFullName() + " (WireWriter.varintField leaves 0 out)");
      }
      if (entry || field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || message.hasField(field)) {
        fields.add(Map.entry(field, message.getField(field)));
      }
    }
    fields.sort(Comparator.comparingInt(f -> f.getKey().getNumber()));
    return fields;
  }

  private static List<?> values(Map.Entry<FieldDescriptor, Object> field) {
    return field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
  }

  /** An empty proto3 string is left out, but not a map entry's key or value. */
  private static boolean omitted(Message message, FieldDescriptor field, boolean empty) {
    return empty && !message.getDescriptorForType().getOptions().getMapEntry();
  }

  private static byte[] bytes(Object value) {
    return value instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
        : ((ByteString) value).toByteArray();
  }

  private static long number(FieldDescriptor field, Object value) {
    if (field.getType() == FieldDescriptor.Type.UINT32) {
      return Integer.toUnsignedLong((Integer) value); // five bytes at most, unlike an int32
    }
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (value instanceof EnumValueDescriptor e) {
      return e.getNumber();
    }
    return ((Number) value).longValue(); // an int widens with its sign, as protobuf's int32
  }

  private static int tag(FieldDescriptor field) {
    return field.getNumber() << TYPE_BITS | field.getLiteType().getWireType();
  }
}
