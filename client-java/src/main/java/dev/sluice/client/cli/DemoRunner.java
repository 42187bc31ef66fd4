package dev.sluice.client.cli;

import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code sluice up --demo}: a synthetic inference app, {@code demo-model}, on two runners. Each
 * runner loads its model, then serves requests {@code req-<n>} one after another: a RequestStart,
 * a few step lines, now and then a WARN, every seventh request an ERROR and a failed end. A
 * few requests per second in all, through the real runner SDK.
 */
final class DemoRunner implements AutoCloseable {
  static final String APP = "demo-model";
  private static final Duration TICK = Duration.ofMillis(150);
  private static final String[] SETUP = {"loading weights", "loading weights", "compiling kernels",
      "model ready"};

  private final List<Runner> runners;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-demo");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger requests = new AtomicInteger();

  private DemoRunner(String target, String token) {
    this.runners = List.of(new Runner(target, token, "runner-1", "node-a"),
        new Runner(target, token, "runner-2", "node-b"));
  }

  /** Starts logging to the broker at {@code target} until {@link #close()}. */
  static DemoRunner start(String target, String token) {
    DemoRunner demo = new DemoRunner(target, token);
    demo.ticker.scheduleAtFixedRate(demo::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    return demo;
  }

  private void tick() {
    for (Runner runner : runners) {
      try {
        runner.step();
      } catch (RuntimeException e) {
        // A demo must never kill its ticker; say what happened and go on.
        System.err.println("sluice up: demo runner: " + e);
      }
    }
  }

  /** Stops the demo: ends open requests and flushes what was logged (bounded). */
  @Override
  public void close() {
    ticker.shutdown();
    try {
      ticker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runners.forEach(Runner::close);
  }

  /** One runner's state machine: setup, then one request at a time, one step per tick. */
  private final class Runner {
    private final SluiceRunner sdk;
    private int setupStep;
    private RequestScope request;
    private int step;
    private int steps;
    private int number;

    Runner(String target, String token, String name, String node) {
      SluiceRunner.Builder builder = SluiceRunner.builder().target(target).app(APP).runner(name)
          .node(node).version("v1").closeTimeout(Duration.ofSeconds(2));
      this.sdk = (token == null ? builder : builder.token(token)).build();
    }

    void step() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      if (setupStep < SETUP.length) {
        String line = SETUP[setupStep++];
        sdk.info(line, line.equals("loading weights")
            ? Map.of("model", "demo-7b", "shard", setupStep + "/2")
            : Map.of("elapsed_ms", Integer.toString(400 + random.nextInt(800))));
        return;
      }
      if (request == null) {
        number = requests.incrementAndGet();
        request = sdk.request("req-" + number, "/predict", "caller-" + (1 + number % 3));
        request.info("received request",
            Map.of("prompt_tokens", Integer.toString(8 + random.nextInt(120))));
        step = 0;
        steps = 2 + random.nextInt(3);
        return;
      }
      if (step < steps) {
        step++;
        request.info("denoising step " + step + "/" + steps, Map.of("step",
            Integer.toString(step), "ms", Integer.toString(20 + random.nextInt(60))));
        if (number % 5 == 0 && step == 1) {
          request.warn("GPU memory high",
              Map.of("used_pct", Integer.toString(88 + random.nextInt(8))));
        }
        return;
      }
      if (number % 7 == 0) {
        request.error("inference failed: CUDA out of memory",
            Map.of("step", Integer.toString(step)));
        request.fail("OutOfMemoryError");
      } else {
        request.info("done", Map.of("latency_ms", Integer.toString(100 + random.nextInt(400))));
      }
      request.close();
      request = null;
      if (number % 10 == 0) {
        sdk.debug("cache stats", Map.of("hits", Integer.toString(random.nextInt(1000))));
      }
    }

    void close() {
      if (request != null) {
        request.fail("shutting down");
        request.close();
      }
      sdk.close();
    }
  }
}
