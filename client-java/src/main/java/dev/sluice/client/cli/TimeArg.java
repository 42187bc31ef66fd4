package dev.sluice.client.cli;

import dev.sluice.client.TimeSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converter for a {@link TimeSpec}; picocli names the option in its message. */
final class TimeArg implements ITypeConverter<TimeSpec> {
  @Override
  public TimeSpec convert(String value) {
    try {
      return TimeSpec.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
