package dev.sluice.client.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonpCharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The JSON the command line prints ({@code --json} of {@code tail}, {@code logs} and
 * {@code drains}), one value per line, written with Jackson's streaming generator. Strings are
 * escaped per RFC 8259 and U+2028/U+2029 too ({@link JsonpCharacterEscapes}), so every line is
 * also valid JavaScript for whoever pastes it into a page. Hex escapes stay lower case
 * ({@code \u001f}), as sluice printed them before it used Jackson. Everything else, non-BMP
 * characters included, is written as it is: the output is text, and its writer encodes it.
 */
final class JsonOutput {
  private static final JsonFactory FACTORY = new JsonFactoryBuilder()
      .characterEscapes(JsonpCharacterEscapes.instance())
      .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
      .build();

  private JsonOutput() {}

  /** Writes the fields of one JSON object. */
  @FunctionalInterface
  interface Fields {
    void write(JsonGenerator json) throws IOException;
  }

  /** One JSON object made of {@code fields}, as one line without the line break. */
  static String object(Fields fields) {
    return write(json -> {
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
    });
  }

  /** {@code value} as a quoted JSON string. */
  static String string(String value) {
    return write(json -> json.writeString(value));
  }

  /** Writes {@code "name":{...}} with the entries of {@code map}, in its order. */
  static void stringMap(JsonGenerator json, String name, Map<String, String> map)
      throws IOException {
    json.writeObjectFieldStart(name);
    for (Map.Entry<String, String> e : map.entrySet()) {
      json.writeStringField(e.getKey(), e.getValue());
    }
    json.writeEndObject();
  }

  private static String write(Fields value) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      value.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail; a bug would
    }
    return out.toString();
  }
}
