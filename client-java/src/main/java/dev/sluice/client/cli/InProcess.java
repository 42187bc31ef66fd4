package dev.sluice.client.cli;

import java.lang.reflect.InvocationTargetException;
import java.util.List;

/**
 * Runs a server's main class in this JVM, found by name: the command line never imports the
 * broker or the gateway. The main blocks until SIGTERM and stops cleanly on it, or exits on
 * its own with a message when its settings are wrong.
 */
final class InProcess {
  private InProcess() {}

  /** {@code mainClass.main(args)}; 0 once it returns. */
  static int run(String mainClass, List<String> args) throws Exception {
    try {
      Class.forName(mainClass).getMethod("main", String[].class)
          .invoke(null, (Object) args.toArray(String[]::new));
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    return 0;
  }
}
