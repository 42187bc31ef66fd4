package dev.sluice.client.run;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How {@code sluice run} starts its child and passes SIGINT, SIGTERM, SIGHUP, SIGUSR1,
 * SIGWINCH (and SIGUSR2 where the JVM does not use it) on to it.
 *
 * <p>Away from a terminal (an init, a container without a tty, a pipe), the child starts in a
 * process group of its own ({@link #launch}, which execs it under the same pid), and SIGINT,
 * SIGTERM and SIGHUP go to that whole group, as a terminal's would: a shell script's own
 * children get them too. The servers' controls (USR1, USR2, WINCH) go to the child alone.
 * Without perl or {@code setsid} the child stays in our group and gets signals alone. At a
 * terminal (this process in its foreground group), the child stays in our group, so it can
 * read the terminal; the terminal's Ctrl-C reaches it directly, so SIGINT is not forwarded (it
 * would arrive twice), nor SIGWINCH, SIGHUP only as {@link Launch#forwards} says, the others
 * always.
 *
 * <p>Signals are sent with the shell's {@code kill} builtin ({@code sh} is in every image
 * {@code kill(1)} may be missing from); without a shell, with {@code kill(1)}; without either,
 * SIGTERM still arrives through {@link Process#destroy()} and the others are reported.
 */
final class ChildSignals {
  // Beside the three that end a process: the servers' own controls (nginx, gunicorn: USR1
  // reopens logs, USR2 upgrades, WINCH stops workers), which an operator sends to the
  // container's first process; unhandled, USR1 ends the JVM. USR2 only where HotSpot was told
  // to suspend its threads with another signal (_JAVA_SR_SIGNUM, as ./sluice does): else it is
  // the JVM's own, JFR's sampling would come to us, and one from outside crashes Java 17.
  // Not QUIT, the JVM's thread dump.
  private static final List<String> FORWARDED = srSignalMoved()
      ? List.of("INT", "TERM", "HUP", "USR1", "USR2", "WINCH")
      : List.of("INT", "TERM", "HUP", "USR1", "WINCH");
  // What a terminal sends to a whole group; away from one, they go to the child's group too.
  private static final List<String> TO_GROUP = List.of("INT", "TERM", "HUP");

  // $0 is the signal's name, $1 the child's pid.
  private static final String KILL_GROUP =
      "kill -s \"$0\" -- \"-$1\" 2>/dev/null || kill -s \"$0\" \"$1\"";
  private static final String KILL_CHILD = "kill -s \"$0\" \"$1\"";

  private final Map<Signal, SignalHandler> before = new HashMap<>();
  private final List<String> pending = new ArrayList<>();
  private final boolean ownGroup;
  private Process child;

  private ChildSignals(boolean ownGroup) {
    this.ownGroup = ownGroup;
  }

  /**
   * Puts the child in a new process group (it leads, its pid is the group's id) and execs the
   * command, in the same session: the {@code $ARGV} it gets are the command line.
   */
  private static final String SETPGRP = "setpgrp(0, 0) or die \"sluice run: setpgrp: $!\\n\"; "
      + "exec { $ARGV[0] } @ARGV; print STDERR \"sluice run: cannot start $ARGV[0]: $!\\n\"; "
      + "exit 126"; // it was found: it cannot be run (a shell's code)

  /**
   * The command line that starts {@code command}: {@code atTerminal} (see
   * {@link #inForegroundOfTerminal}), as it is; else in a process group of its own. Throws if
   * {@code command}'s program cannot be found, as starting it would.
   *
   * <p>With perl (in every Debian and Ubuntu image: perl-base is essential), a new group in
   * this session. Else with {@code setsid(1)}, a new session: on a kernel that schedules by
   * session (autogroup, outside containers' cgroups) that also splits the CPU between the
   * child and {@code sluice run} as equals, which cost the capture of a Python child 10-20 % of
   * its rate on the two-core bench machine, where the broker shares the CPUs (bench/README.md).
   */
  static Launch launch(List<String> command, boolean atTerminal) throws IOException {
    String program = command.get(0);
    if (find(program) == null) {
      if (program.contains("/") && Files.exists(Path.of(program))) {
        throw new ProcessCapture.NotStarted("cannot start " + program + ": not executable",
            ProcessCapture.NotStarted.NOT_EXECUTABLE, null);
      }
      throw new ProcessCapture.NotStarted("cannot start " + program + ": not found"
          + (program.contains("/") ? "" : " on the PATH"), ProcessCapture.NotStarted.NOT_FOUND,
          null);
    }
    if (atTerminal) {
      // At a terminal the child stays in our group, the terminal's foreground: a background
      // group that reads the terminal (a password prompt) would be stopped. The terminal
      // sends Ctrl-C to the whole group, the child too: not forwarded then.
      return new Launch(command, false, true);
    }
    List<String> line = new ArrayList<>(command.size() + 4);
    Path perl = find("perl");
    Path setsid = find("setsid");
    if (perl != null) {
      line.addAll(List.of(perl.toString(), "-e", SETPGRP, "--"));
    } else if (setsid != null) {
      line.add(setsid.toString());
    }
    line.addAll(command);
    return new Launch(line, line.size() > command.size(), false);
  }

  /**
   * Whether this process is in the foreground process group of its controlling terminal
   * (Linux's /proc; false where it cannot tell).
   */
  static boolean inForegroundOfTerminal() {
    String[] f = ownStat();
    return f != null && !f[4].equals("0") && f[5].equals(f[2]);
  }

  /**
   * This process's /proc/self/stat after the command's name, in parentheses (which may hold
   * spaces): state, ppid, pgrp, session, tty_nr, tpgid, ...; null where there is none.
   */
  private static String[] ownStat() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return f.length > 5 ? f : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * How the child is started: its command line, whether it leads a group of its own, and
   * whether we are at a terminal, which sends SIGINT, SIGWINCH and SIGHUP to the child itself.
   */
  record Launch(List<String> line, boolean ownGroup, boolean atTerminal) {
    /**
     * Whether {@code signal} is ours to pass on. At a terminal, SIGINT and SIGWINCH are not
     * (Ctrl-C and a resize reached the child already; a {@code kill -INT} of this process
     * alone is then not passed on either), and SIGHUP only when this process leads the
     * session: a hang-up goes to the session's leader, which a shell passes on to its jobs,
     * and an {@code exec}'d {@code sluice run} (ssh -t, script, docker run -t) is that leader
     * itself.
     */
    boolean forwards(String signal) {
      return !atTerminal || switch (signal) {
        case "INT", "WINCH" -> false; // the terminal sends them to its foreground group
        case "HUP" -> leadsSession();
        default -> true; // TERM, USR1, USR2: never from the terminal
      };
    }
  }

  /** Whether this process's stdin is a terminal (Linux's /proc; false where it cannot tell). */
  static boolean stdinIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether this process leads its session (Linux's /proc; false where it cannot tell). */
  static boolean leadsSession() {
    String[] f = ownStat();
    return f != null && f[3].equals(Long.toString(ProcessHandle.current().pid()));
  }

  /**
   * Handles the forwarded signals from now on, as {@code launch} says: one that comes
   * before the child exists is sent once it does.
   */
  static ChildSignals install(Launch launch) {
    ChildSignals signals = new ChildSignals(launch.ownGroup());
    for (String name : FORWARDED) {
      try {
        Signal signal = new Signal(name);
        // At a terminal, Ctrl-C reached the child already: ours only keeps the JVM running.
        signals.before.put(signal, Signal.handle(signal, launch.forwards(name)
            ? s -> signals.forward(name) : s -> { }));
      } catch (IllegalArgumentException e) {
        // The JVM keeps this one for itself (or the platform has none): not forwarded.
      }
    }
    return signals;
  }

  synchronized void started(Process started) {
    child = started;
    pending.forEach(this::send);
    pending.clear();
  }

  /** The JVM's own handling again. */
  void restore() {
    before.forEach(Signal::handle);
  }

  /**
   * The JVM's own handling again for INT, TERM and HUP, once the child is gone: a Ctrl-C or a
   * TERM during the last lines' sending ends us, as it should; the controls stay ours.
   */
  void restoreEnding() {
    before.forEach((signal, handler) -> {
      if (TO_GROUP.contains(signal.getName())) {
        Signal.handle(signal, handler);
      }
    });
  }

  /** Whether HotSpot suspends its threads with a signal other than USR2 (12, its default). */
  static boolean srSignalMoved() {
    String value = System.getenv("_JAVA_SR_SIGNUM");
    try {
      int n = value == null ? 12 : Integer.parseInt(value.trim());
      return n > 12 && n < 65; // what HotSpot takes: above SIGSEGV and SIGBUS, below NSIG
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private synchronized void forward(String name) {
    if (child == null) {
      pending.add(name);
    } else {
      send(name);
    }
  }

  private void send(String signal) {
    if (!child.isAlive()) {
      return;
    }
    // A negative pid is the process group the child leads, once perl's setpgrp (or setsid)
    // has run: a signal in the first milliseconds finds no such group yet, and goes to the
    // child itself. A server's controls go to the child alone, as tini sends them: its
    // helpers (a sleep, a wrapper's tail) would die of a USR1 they do not handle.
    String pid = Long.toString(child.pid());
    boolean toGroup = ownGroup && TO_GROUP.contains(signal);
    if (run("sh", "-c", toGroup ? KILL_GROUP : KILL_CHILD, signal, pid)) {
      return;
    }
    if (run("kill", "-s", signal, pid)) {
      return;
    }
    if ("TERM".equals(signal)) {
      child.destroy(); // SIGTERM, to the child alone
    } else {
      System.err.printf("sluice run: cannot pass SIG%s on: neither sh nor kill is here%n",
          signal);
    }
  }

  private static boolean run(String... command) {
    try {
      new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code program} as the child's exec would find it, or null. */
  private static Path find(String program) {
    if (program.contains("/")) {
      Path path = Path.of(program);
      return Files.isExecutable(path) && !Files.isDirectory(path) ? path : null;
    }
    String dirs = System.getenv("PATH");
    for (String dir : (dirs == null ? "/usr/bin:/bin" : dirs).split(File.pathSeparator)) {
      Path path = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(path) && !Files.isDirectory(path)) {
        return path;
      }
    }
    return null;
  }
}
