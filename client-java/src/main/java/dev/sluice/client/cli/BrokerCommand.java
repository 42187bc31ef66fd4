package dev.sluice.client.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code sluice broker}: runs a broker in this process until SIGTERM or Ctrl-C. Every argument
 * goes to the broker ({@code dev.sluice.broker.BrokerMain}), which reads its options, then
 * {@code SLUICE_BROKER_*}, then the {@code [broker]} table of {@code --config FILE};
 * {@code sluice broker --help} lists them.
 */
@Command(name = "broker",
    description = "Runs a broker in this process; 'sluice broker --help' lists its options.")
final class BrokerCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** All of them: the broker reads its own options. */
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (!ChildJvm.available(UpCommand.BROKER_MAIN)) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("sluice broker: the broker (" + UpCommand.BROKER_MAIN + ") is not on the "
          + "class path; build it with './sluice --rebuild' or add sluice-broker's jar to -cp");
      err.flush();
      return 1;
    }
    return InProcess.run(UpCommand.BROKER_MAIN, args);
  }
}
