package dev.sluice.bench.load;

import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The isolation scenario: a victim account (a runner paced at {@value #VICTIM_RATE} lines/s
 * and a tail of it) measures its delivery delay while another account attacks the broker, in
 * phases of the same run: no attack; 10,000 tails that never read (10 connections, 10 tokens)
 * beside a runner of the attacker's account logging 1 MB/s; a PING flood; a rapid-reset loop;
 * no attack again. Each phase reports the victim's p50/p99/p999 and its p99 against the mean of
 * the two quiet phases, with the broker's live heap and RSS at its end. Sluice only (the
 * attacks are HTTP/2 misbehaviour against the broker's own limits).
 */
final class Attacks {
  static final int VICTIM_RATE = 1_000;
  private static final int STALLED_TAILS = 10_000;
  private static final int CONNECTIONS = 10;
  private static final int BUSY_RATE = 5_000; // 200-byte lines: 1 MB/s

  private Attacks() {}

  /** One phase's figures. */
  private record Phase(String name, Histogram victim, long heap, long rss, String note) {}

  static String run(boolean quick) throws Exception {
    Duration phase = Duration.ofSeconds(quick ? 4 : 15);
    Path keys = Files.createTempDirectory("sluice-abuse-keys");
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, keys);
    List<Phase> phases = new ArrayList<>();
    try (SluiceTarget target = SluiceTarget.startSecured("1g",
        keys.resolve(IssuerKeys.PUBLIC_FILE))) {
      int port = target.server().port();
      Workload one = new Workload(1, 1, 1, 1);
      long base = System.nanoTime();
      Tap victim = new Tap(base, true);
      target.subscribe(">", victim, token(issuer, "reader", "beta", Role.MEMBER, ""));
      Target.Publisher victimRunner = target.publisher(0, one,
          token(issuer, "runner", "beta", Role.RUNNER, one.app(0)));
      Target.Publisher busy = target.publisher(0, one,
          token(issuer, "runner", "acme", Role.RUNNER, one.app(0)));
      await(() -> victim.count() > 0, () -> victimRunner.send(0, System.nanoTime() - base));

      phases.add(measure("no attack", phase, target, victim, victimRunner, base, () -> { }));

      List<Abuser> stalled = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        Abuser abuser = new Abuser(port);
        stalled.add(abuser);
        abuser.openTails(STALLED_TAILS / CONNECTIONS, ">", "Bearer "
            + token(issuer, "attacker-" + c, "acme", Role.MEMBER, ""));
      }
      long[] busySent = {0};
      long busyStart = System.nanoTime();
      phases.add(measure(String.format("%,d tails that never read + 1 MB/s", STALLED_TAILS),
          phase, target, victim, victimRunner, base, () -> {
            long due = (System.nanoTime() - busyStart) * BUSY_RATE / 1_000_000_000L;
            for (; busySent[0] < due; busySent[0]++) {
              busy.send(0, System.nanoTime() - base);
            }
          }));
      for (Abuser abuser : stalled) {
        abuser.close();
      }

      String pingBearer = "Bearer " + token(issuer, "flooder", "acme", Role.MEMBER, "");
      phases.add(attack("PING flood", phase, target, victim, victimRunner, base, port,
          abuser -> abuser.pings(10_000), pingBearer));
      phases.add(attack("rapid reset", phase, target, victim, victimRunner, base, port,
          abuser -> abuser.openAndReset(500, ">", pingBearer), pingBearer));
      phases.add(measure("no attack, again", phase, target, victim, victimRunner, base,
          () -> { }));
    }
    return report(phases);
  }

  private interface Abuse {
    void on(Abuser abuser) throws Exception;
  }

  /** A phase with an attacker that reconnects whenever the broker closes it. */
  private static Phase attack(String name, Duration phase, SluiceTarget target, Tap victim,
      Target.Publisher victimRunner, long base, int port, Abuse abuse, String bearer)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    long[] connections = {0};
    Thread attacker = new Thread(() -> {
      while (!stop.get()) {
        try (Abuser abuser = new Abuser(port)) {
          connections[0]++;
          while (!stop.get() && abuser.isOpen()) {
            abuse.on(abuser);
          }
        } catch (Exception e) {
          LockSupport.parkNanos(1_000_000); // refused or reset: at it again
        }
      }
    }, "attacker");
    attacker.start();
    try {
      Phase p = measure(name, phase, target, victim, victimRunner, base, () -> { });
      return new Phase(p.name(), p.victim(), p.heap(), p.rss(),
          connections[0] + " attacking connections");
    } finally {
      stop.set(true);
      attacker.join(10_000);
    }
  }

  /** Paces the victim for {@code phase} and records its delivery delay. */
  private static Phase measure(String name, Duration phase, SluiceTarget target, Tap victim,
      Target.Publisher victimRunner, long base, Runnable alongside) {
    long warm = System.nanoTime() + 1_000_000_000L; // the first second is not recorded
    long end = warm + phase.toNanos();
    long start = System.nanoTime();
    long sent = 0;
    victim.recording(false);
    Histogram before = victim.histogram();
    boolean recording = false;
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (!recording && now >= warm) {
        victim.recording(true);
        recording = true;
      }
      long due = (now - start) * VICTIM_RATE / 1_000_000_000L;
      for (; sent < due; sent++) {
        // The stamp is the line's intended time: a late send counts as delay (no coordinated
        // omission).
        victimRunner.send(0, start + sent * 1_000_000_000L / VICTIM_RATE - base);
      }
      alongside.run();
      if (!target.server().isAlive()) {
        throw new IllegalStateException("the broker died during " + name + ":\n"
            + target.server().lastOutput());
      }
      LockSupport.parkNanos(200_000);
    }
    victim.recording(false);
    Histogram all = victim.histogram();
    Histogram phaseOnly = all.minus(before);
    return new Phase(name, phaseOnly, target.server().liveHeapBytes(),
        target.server().rssBytes(), "");
  }

  private static void await(java.util.function.BooleanSupplier done, Runnable poke) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the victim's first line did not arrive in 60 s");
      }
      poke.run();
      LockSupport.parkNanos(100_000_000);
    }
  }

  private static String token(KeyPair issuer, String subject, String account, Role role,
      String app) {
    return Tokens.mint(Tokens.claims(subject, account, role, app, Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  private static String report(List<Phase> phases) {
    double quiet = (phases.get(0).victim().quantile(0.99)
        + phases.get(phases.size() - 1).victim().quantile(0.99)) / 2.0;
    StringBuilder out = new StringBuilder(String.format("victim: %,d lines/s of its own, one "
        + "tail; p99 of the quiet phases %.2f ms%n%n| phase | victim p50 ms | p99 ms | "
        + "p999 ms | p99 ÷ quiet | broker heap MiB | RSS MiB | |%n|---|---:|---:|---:|---:|---:|"
        + "---:|---|%n", VICTIM_RATE, quiet / 1000));
    for (Phase p : phases) {
      out.append(String.format("| %s | %.2f | %.2f | %.2f | %.2f | %d | %d | %s |%n", p.name(),
          p.victim().quantile(0.5) / 1000.0, p.victim().quantile(0.99) / 1000.0,
          p.victim().quantile(0.999) / 1000.0, p.victim().quantile(0.99) / quiet,
          p.heap() >> 20, p.rss() >> 20, p.note()));
    }
    return out.toString();
  }
}
