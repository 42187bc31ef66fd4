package dev.sluice.client.runner;

import dev.sluice.client.Subjects;
import java.util.Objects;

/**
 * The free-text labels a runner sends (job, node, version, an endpoint, a caller, a failed
 * request's message), held to what the broker accepts: at most {@value #MAX_TEXT} characters
 * and no control characters. A label the app sets is checked at once (the mistake is the
 * app's); an outcome message is cleaned instead (it is often an exception's text).
 */
final class FreeText {
  /** Longest free-text label, as the broker checks it. */
  static final int MAX_TEXT = 256;

  private FreeText() {}

  /** Control characters become spaces and the text is clipped to {@value #MAX_TEXT}. */
  static String clip(String value) {
    if (value == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_TEXT));
    for (int i = 0; i < value.length() && out.length() < MAX_TEXT; i++) {
      char c = value.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (value.length() > MAX_TEXT) {
      out.setLength(MAX_TEXT - 3);
      out.append("...");
    }
    return out.toString();
  }

  /** True if the broker accepts {@code value} as a free-text label. */
  static boolean accepts(String value) {
    if (value.length() > MAX_TEXT) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** {@code value} if the broker accepts it; else IllegalArgumentException naming {@code label}. */
  static String check(String label, String value) {
    Objects.requireNonNull(value, label);
    if (value.length() > MAX_TEXT) {
      throw new IllegalArgumentException(label + ": " + value.length()
          + " characters (expected: at most " + MAX_TEXT + ")");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(label + ": " + Subjects.quote(value)
            + " contains a control character at index " + i + " (expected: printable text)");
      }
    }
    return value;
  }
}
