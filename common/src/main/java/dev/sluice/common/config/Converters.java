package dev.sluice.common.config;

import dev.sluice.common.ByteSizes;
import dev.sluice.common.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the settings' own syntax; picocli names the option in its message,
 * and {@link ConfigDefaults#parse} says where the value came from.
 */
public final class Converters {
  private Converters() {}

  /** {@code 30s}, {@code 5m}, {@code 30d}, {@code 250ms}: {@link Durations}. */
  public static final class ToDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 65536}, {@code 64KiB}, {@code 10GiB}: {@link ByteSizes}. */
  public static final class ToBytes implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return ByteSizes.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A byte size under 2 GiB, for {@code int} settings. */
  public static final class ToIntBytes implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        return ByteSizes.parseInt(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
