package dev.sluice.client.cli;

import dev.sluice.token.IssuerKeys;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice keys init}: writes an Ed25519 issuer key pair into the data directory. */
@Command(name = "keys", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
    description = "Manage the token issuer key.", subcommands = KeysCommand.Init.class)
final class KeysCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create the issuer key pair (private key file mode 0600).")
  static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.sluice",
        description = "Where to write issuer.key and issuer.pub (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--force", description = "Replace an existing key (old tokens stop working).")
    boolean force;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (Issuer.exists(dataDir) && !force) {
        err.println("sluice keys init: " + dataDir.resolve(IssuerKeys.PRIVATE_FILE)
            + " already exists (use --force to replace it; tokens it signed stop working)");
        err.flush();
        return 1;
      }
      Issuer.create(dataDir);
      out.println("Issuer key written: " + dataDir.resolve(IssuerKeys.PRIVATE_FILE)
          + " (private, mode 0600) and " + dataDir.resolve(IssuerKeys.PUBLIC_FILE));
      out.flush();
      return 0;
    }
  }
}
