package dev.sluice.proto.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cases a hand-written codec must agree with protobuf on: a message with one field set to
 * one of its edge values, for every field of the message's type, found through its descriptor
 * (so a field added to a .proto is walked without anyone listing it). Message fields are
 * walked into, field by field; repeated and map fields get one entry of each edge value, then
 * all of them at once. A codec's test turns each case's message into the codec's input or
 * output and holds it to {@code toByteArray()} or to the parsed message.
 *
 * <p>Shared through this module's test jar: the broker's, the client's and the gateway's
 * codec tests all walk with it.
 *
 * <pre>{@code
 * for (FieldWalk.Case c : FieldWalk.cases(LogLine.getDefaultInstance())) {
 *   assertThat(handEncode(c.message())).as(c.name()).isEqualTo(c.message().toByteArray());
 * }
 * }</pre>
 */
public final class FieldWalk {
  /** The messages whose bytes a hand codec writes or reads; the rest of theirs are nested. */
  public static final List<Message> HAND_CODED = List.of(IngestFrame.getDefaultInstance(),
      Record.getDefaultInstance(), TailResponse.getDefaultInstance());

  private static final long[] INT64 = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE,
      1_764_633_600_123_456_789L}; // the last: a nanosecond timestamp, a nine-byte varint
  private static final long[] UINT64 = {0, 1, 127, 128, Long.MAX_VALUE, -1}; // -1: 2^64 - 1
  private static final int[] INT32 = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final int[] UINT32 = {0, 1, 127, 128, 16_384, -1}; // -1: 2^32 - 1
  private static final String[] STRINGS = {"", "a", "héllo wörld ✓ 𝄞", "x".repeat(200),
      "y".repeat(20_000)}; // lengths of one, two and three varint bytes
  private static final ByteString[] BYTES = {ByteString.EMPTY, ByteString.copyFrom(new byte[1]),
      ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0x80, 0x7f}),
      ByteString.copyFrom(new byte[300])};
  /** Unknown numbers for a proto3 (open) enum, which protobuf keeps: -1 takes ten bytes. */
  private static final int[] UNKNOWN_ENUMS = {99, -1};
  private static final int MAX_DEPTH = 4;

  /** One message to check, and what it holds (for assertion messages). */
  public record Case(String name, Message message) {
    @Override
    public String toString() {
      return name;
    }
  }

  private FieldWalk() {}

  /** Every field of {@code base}'s type, each set to each of its edge values on a copy of it. */
  public static List<Case> cases(Message base) {
    return walk(base, fieldNames(base.getDescriptorForType()), 0);
  }

  /**
   * The cases of the fields in {@code walked}: for a codec that writes only some fields, or
   * derives one from another. {@code walked} and {@code leftOut} must name every field of the
   * type once, so a field added to the .proto fails the codec's test until someone decides
   * which it is.
   */
  public static List<Case> cases(Message base, Set<String> walked, Set<String> leftOut) {
    Set<String> all = fieldNames(base.getDescriptorForType());
    Set<String> named = new TreeSet<>(walked);
    named.addAll(leftOut);
    Set<String> both = new TreeSet<>(walked);
    both.retainAll(leftOut);
    if (!named.equals(all) || !both.isEmpty()) {
      throw new AssertionError(base.getDescriptorForType().getFullName() + ": walked "
          + walked + " and left out " + leftOut + " must split its fields " + all);
    }
    return walk(base, walked, 0);
  }

  /** The message types of {@code roots} and of every message field inside them. */
  public static List<Descriptor> types(List<Message> roots) {
    List<Descriptor> types = new ArrayList<>();
    for (Message root : roots) {
      collect(root.getDescriptorForType(), types);
    }
    return types;
  }

  private static void collect(Descriptor type, List<Descriptor> into) {
    if (into.contains(type)) {
      return;
    }
    into.add(type);
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collect(field.getMessageType(), into);
      }
    }
  }

  private static Set<String> fieldNames(Descriptor type) {
    Set<String> names = new TreeSet<>();
    for (FieldDescriptor field : type.getFields()) {
      names.add(field.getName());
    }
    return names;
  }

  private static List<Case> walk(Message base, Set<String> names, int depth) {
    Descriptor type = base.getDescriptorForType();
    List<Case> cases = new ArrayList<>();
    for (FieldDescriptor field : type.getFields()) {
      if (!names.contains(field.getName())) {
        continue;
      }
      for (Object value : values(base, field, depth)) {
        Message.Builder builder = base.toBuilder().clearField(field).setField(field, value);
        cases.add(new Case(type.getName() + "." + field.getName() + " = " + describe(value),
            builder.build()));
      }
    }
    return cases;
  }

  /** What a field is set to, one case each: a value, or a list for a repeated field. */
  private static List<Object> values(Message base, FieldDescriptor field, int depth) {
    List<Object> single = singleValues(base, field, depth);
    if (!field.isRepeated()) {
      return single;
    }
    List<Object> lists = new ArrayList<>();
    for (Object value : single) {
      lists.add(List.of(value));
    }
    lists.add(single); // all at once, in order
    return lists;
  }

  private static List<Object> singleValues(Message base, FieldDescriptor field, int depth) {
    List<Object> values = new ArrayList<>();
    switch (field.getJavaType()) {
      case LONG -> {
        for (long v : isUnsigned(field) ? UINT64 : INT64) {
          values.add(v);
        }
      }
      case INT -> {
        for (int v : isUnsigned(field) ? UINT32 : INT32) {
          values.add(v);
        }
      }
      case BOOLEAN -> values.addAll(List.of(false, true));
      case FLOAT -> values.addAll(List.of(0f, -0f, 1.5f, Float.NaN));
      case DOUBLE -> values.addAll(List.of(0d, -0d, 1.5d, Double.NaN));
      case STRING -> values.addAll(List.of(STRINGS));
      case BYTE_STRING -> values.addAll(List.of(BYTES));
      case ENUM -> {
        values.addAll(field.getEnumType().getValues());
        for (int number : UNKNOWN_ENUMS) {
          values.add(field.getEnumType().findValueByNumberCreatingIfUnknown(number));
        }
      }
      case MESSAGE -> {
        Message empty = base.newBuilderForType().newBuilderForField(field).build();
        if (field.isMapField()) {
          values.addAll(mapEntries(empty));
        } else {
          values.add(empty); // set, with nothing in it
          if (depth < MAX_DEPTH) {
            for (Case nested : walk(empty, fieldNames(empty.getDescriptorForType()), depth + 1)) {
              values.add(nested.message());
            }
          }
        }
      }
    }
    return values;
  }

  /** Entries of a map<string, string>: every edge string as a key, each with another value. */
  private static List<Message> mapEntries(Message empty) {
    Descriptor entry = empty.getDescriptorForType();
    FieldDescriptor key = entry.findFieldByName("key");
    FieldDescriptor value = entry.findFieldByName("value");
    if (key.getJavaType() != FieldDescriptor.JavaType.STRING
        || value.getJavaType() != FieldDescriptor.JavaType.STRING) {
      throw new AssertionError("only map<string, string> is walked: " + entry.getFullName());
    }
    List<Message> entries = new ArrayList<>();
    for (int i = 0; i < STRINGS.length; i++) {
      entries.add(empty.toBuilder().setField(key, STRINGS[i])
          .setField(value, STRINGS[(i + 1) % STRINGS.length]).build());
    }
    return entries;
  }

  private static boolean isUnsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, UINT64, FIXED32, FIXED64 -> true;
      default -> false;
    };
  }

  private static String describe(Object value) {
    String text;
    if (value instanceof Message m) {
      text = "{" + TextFormat.shortDebugString(m) + "}";
    } else if (value instanceof List<?> list) {
      text = list.size() == 1 ? "[" + describe(list.get(0)) + "]" : "[" + list.size() + " values]";
    } else if (value instanceof String s) {
      text = '"' + s + '"';
    } else if (value instanceof ByteString b) {
      text = b.size() + " bytes";
    } else if (value instanceof EnumValueDescriptor e) {
      text = e.getType().findValueByNumber(e.getNumber()) == null ? "enum " + e.getNumber()
          : e.getName();
    } else {
      text = String.valueOf(value);
    }
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }
}
