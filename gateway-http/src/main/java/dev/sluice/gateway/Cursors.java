package dev.sluice.gateway;

import com.google.protobuf.ByteString;
import java.util.Base64;

/**
 * Broker cursors in URLs, headers and JSON: unpadded base64url of the opaque bytes. The broker
 * checks what they hold; the gateway only carries them.
 */
final class Cursors {
  /** Far above any cursor the broker issues; a longer value is not one. */
  private static final int MAX_CHARS = 256;

  private Cursors() {}

  static String encode(ByteString cursor) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(cursor.toByteArray());
  }

  /** Decodes {@code value} of parameter {@code param}; a 400 problem when it is not a cursor. */
  static ByteString decode(String value, String param) {
    if (value.isEmpty() || value.length() > MAX_CHARS) {
      throw Problem.badParam(param, "'" + clip(value) + "' is not a cursor (expected: the "
          + "\"cursor\" of a record or a \"next_cursor\" this gateway returned)").exception();
    }
    try {
      return ByteString.copyFrom(Base64.getUrlDecoder().decode(value));
    } catch (IllegalArgumentException e) {
      throw Problem.badParam(param, "'" + clip(value) + "' is not a cursor (expected: the "
          + "\"cursor\" of a record or a \"next_cursor\" this gateway returned)").exception();
    }
  }

  private static String clip(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "..." : value;
  }
}
