package dev.sluice.client.cli;

import dev.sluice.client.Subjects;
import dev.sluice.token.Role;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice token mint}: prints a token signed by the data directory's issuer key. */
@Command(name = "token", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
    description = "Mint access tokens.", subcommands = TokenCommand.Mint.class)
final class TokenCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "mint", mixinStandardHelpOptions = true,
      description = "Print a token (runner, member, admin or caller).")
  static final class Mint implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--account", required = true, paramLabel = "ACCOUNT",
        description = "Account (owner or team) the token belongs to.")
    String account;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        description = "runner, member, admin or caller.")
    String role;

    @Option(names = "--subject", required = true, paramLabel = "ID",
        description = "Principal id (a caller's id is what RequestStart.caller names).")
    String subject;

    @Option(names = "--app", paramLabel = "APP", defaultValue = "",
        description = "App scope; required for runner tokens.")
    String app;

    @Option(names = "--ttl", paramLabel = "TTL", defaultValue = "24h",
        description = "Lifetime, e.g. 90s, 10m, 24h, 30d (default: ${DEFAULT-VALUE}).")
    String ttl;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.sluice",
        description = "Where the issuer key is (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        Role parsed = Role.fromWire(role.toLowerCase(Locale.ROOT));
        if (parsed == null) {
          throw new IllegalArgumentException("--role: '" + role
              + "' (expected: runner, member, admin or caller)");
        }
        if (!app.isEmpty()) {
          Subjects.requireToken("--app", app);
        } else if (parsed == Role.RUNNER) {
          throw new IllegalArgumentException("--app: a runner token needs the app it may publish");
        }
        String token = Issuer.load(dataDir).mint(subject, account, parsed, app, Issuer.ttl(ttl));
        out.println(token);
        out.flush();
        return 0;
      } catch (IllegalArgumentException | java.io.IOException e) {
        err.println("sluice token mint: " + e.getMessage());
        err.flush();
        return 1;
      }
    }
  }
}
