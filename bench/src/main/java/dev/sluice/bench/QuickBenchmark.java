package dev.sluice.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings of the single-threaded, in-memory benchmarks, in one place: throughput per
 * second, 3 warmup and 5 measured iterations of 1 s, one fork with a 1 GB heap. JMH reads these
 * annotations from a benchmark's superclasses; one on the benchmark class itself wins. The
 * benchmarks that need longer runs or more heap (IngestTailBenchmark, SegmentAppendBenchmark)
 * carry their own.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class QuickBenchmark {}
