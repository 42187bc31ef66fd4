package dev.sluice.common;

/**
 * The checks settings records make in their constructors, so every refusal reads the same:
 * {@code name: value (expected: what)}.
 */
public final class Checks {
  private Checks() {}

  /** Throws unless {@code value >= min}. */
  public static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw bad(name, value, ">= " + min);
    }
  }

  /** The refusal of {@code value} for the setting {@code name}. */
  public static IllegalArgumentException bad(String name, Object value, String expected) {
    return new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
  }
}
