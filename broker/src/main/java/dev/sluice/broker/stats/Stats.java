package dev.sluice.broker.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The broker's one registry of statistics: every component registers its meters here when it
 * starts (counters it adds to, gauges read when asked), so a metrics endpoint only renders
 * {@link #meters()}, and tests read the same figures by name. Thread-safe; adding to a counter
 * is a {@link LongAdder} add, cheap on any thread.
 *
 * <pre>{@code
 * Stats.Counter dropped = stats.counter("tail.dropped", "records dropped from slow tails");
 * dropped.add(3);
 * stats.value("tail.dropped"); // 3
 * }</pre>
 */
public final class Stats {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  private final ConcurrentSkipListMap<String, Meter> meters = new ConcurrentSkipListMap<>();

  /** What a meter counts: ever growing, a value now, or a counter per account. */
  public enum Kind { COUNTER, GAUGE, PER_ACCOUNT }

  /** A registered meter, as a renderer sees it. */
  public sealed interface Meter permits Kept, Gauge {
    String name();

    String help();

    Kind kind();

    /** The value now; a per-account counter's is the sum over accounts. */
    long value();
  }

  /** A meter that keeps its own count. */
  private abstract static sealed class Kept implements Meter permits Counter, PerAccount {
    private final String name;
    private final String help;

    Kept(String name, String help) {
      this.name = name;
      this.help = help;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String help() {
      return help;
    }
  }

  /** A count that only grows. */
  public static final class Counter extends Kept {
    private final LongAdder adder = new LongAdder();

    private Counter(String name, String help) {
      super(name, help);
    }

    public void increment() {
      adder.increment();
    }

    public void add(long n) {
      adder.add(n);
    }

    @Override
    public Kind kind() {
      return Kind.COUNTER;
    }

    @Override
    public long value() {
      return adder.sum();
    }
  }

  /** A value read from its owner when asked. */
  public record Gauge(String name, String help, LongSupplier source) implements Meter {
    @Override
    public Kind kind() {
      return Kind.GAUGE;
    }

    @Override
    public long value() {
      return source.getAsLong();
    }
  }

  /** A count that only grows, one per account. */
  public static final class PerAccount extends Kept {
    private final ConcurrentHashMap<String, LongAdder> byAccount = new ConcurrentHashMap<>();

    private PerAccount(String name, String help) {
      super(name, help);
    }

    public void add(String account, long n) {
      byAccount.computeIfAbsent(account, a -> new LongAdder()).add(n);
    }

    public long value(String account) {
      LongAdder n = byAccount.get(account);
      return n == null ? 0 : n.sum();
    }

    /** Each account's count, by account name. */
    public Map<String, Long> byAccount() {
      Map<String, Long> out = new TreeMap<>();
      byAccount.forEach((account, n) -> out.put(account, n.sum()));
      return out;
    }

    @Override
    public Kind kind() {
      return Kind.PER_ACCOUNT;
    }

    @Override
    public long value() {
      long sum = 0;
      for (LongAdder n : byAccount.values()) {
        sum += n.sum();
      }
      return sum;
    }
  }

  /** Registers a counter named {@code name} (dotted lower case, e.g. {@code tail.dropped}). */
  public Counter counter(String name, String help) {
    return register(new Counter(checked(name), help));
  }

  /** Registers a gauge whose value {@code source} gives when asked. */
  public Gauge gauge(String name, String help, LongSupplier source) {
    return register(new Gauge(checked(name), help, Objects.requireNonNull(source, "source")));
  }

  /** Registers a counter kept per account. */
  public PerAccount perAccount(String name, String help) {
    return register(new PerAccount(checked(name), help));
  }

  private <M extends Meter> M register(M meter) {
    Objects.requireNonNull(meter.help(), "help");
    if (meters.putIfAbsent(meter.name(), meter) != null) {
      throw new IllegalStateException("stats: " + meter.name() + " is registered already");
    }
    return meter;
  }

  private static String checked(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("stats name: " + name
          + " (expected: dotted lower-case words, like tail.dropped)");
    }
    return name;
  }

  /** Every meter, by name. */
  public List<Meter> meters() {
    return new ArrayList<>(meters.values());
  }

  /** The value of the meter {@code name} now. */
  public long value(String name) {
    return meter(name).value();
  }

  /** The value of the per-account meter {@code name} for {@code account}. */
  public long value(String name, String account) {
    if (meter(name) instanceof PerAccount perAccount) {
      return perAccount.value(account);
    }
    throw new IllegalArgumentException("stats: " + name + " is not kept per account");
  }

  private Meter meter(String name) {
    Meter meter = meters.get(name);
    if (meter == null) {
      throw new IllegalArgumentException("stats: no meter " + name + " (known: "
          + meters.keySet() + ")");
    }
    return meter;
  }
}
