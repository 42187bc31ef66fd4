package dev.sluice.client.jul;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** An app that logs through java.util.logging, then calls System.exit: run by JulTest. */
public final class JulApp {
  private JulApp() {}

  public static void main(String[] args) throws Exception {
    String config = """
        handlers = dev.sluice.client.jul.SluiceHandler
        .level = INFO
        dev.sluice.client.jul.SluiceHandler.app = app
        dev.sluice.client.jul.SluiceHandler.runner = r1
        dev.sluice.client.jul.SluiceHandler.target = %s
        """.formatted(args[0]);
    LogManager.getLogManager().readConfiguration(
        new ByteArrayInputStream(config.getBytes(StandardCharsets.UTF_8)));
    Logger log = Logger.getLogger("app.Main");
    log.info("hello");
    log.log(Level.WARNING, "slow step {0}", 3);
    log.fine("below the level");
    log.log(Level.SEVERE, "it failed", new IllegalStateException("boom"));
    for (int i = 0; i < 1000; i++) {
      log.info("burst " + i);
    }
    System.exit(0); // what was logged must still be stored
  }
}
