package dev.sluice.broker;

import dev.sluice.broker.plugin.tail.TailSettings;
import dev.sluice.broker.plugin.tail.TailSettings.OverflowPolicy;
import dev.sluice.common.config.Converters.ToBytes;
import dev.sluice.common.config.Converters.ToIntBytes;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of the tail plugin's settings ({@link TailSettings}), a mixin of {@link BrokerFlags}. */
final class TailFlags {
  private static final TailSettings D = TailSettings.DEFAULTS;

  @Option(names = "--tail-queue-records", paramLabel = "N",
      description = "Queue of each tail, in records (default: ${DEFAULT-VALUE}).")
  int queueRecords = D.queueRecords();

  @Option(names = "--tail-queue-bytes", paramLabel = "SIZE", converter = ToBytes.class,
      description = "Queue of each tail, in bytes (default: 16MiB).")
  long queueBytes = D.queueBytes();

  @Option(names = "--tail-batch-records", paramLabel = "N",
      description = "Most records per message to a subscriber (default: ${DEFAULT-VALUE}).")
  int batchRecords = D.batchRecords();

  @Option(names = "--tail-batch-bytes", paramLabel = "SIZE", converter = ToIntBytes.class,
      description = "Most record bytes per message to a subscriber (default: 1MiB).")
  int batchBytes = D.batchBytes();

  @Option(names = "--tail-overflow", paramLabel = "POLICY",
      description = "What a full tail queue does: ${COMPLETION-CANDIDATES} (default: "
          + "${DEFAULT-VALUE}).")
  OverflowPolicy overflow = D.overflow();

  @Option(names = "--subscriber-bytes", paramLabel = "SIZE", converter = ToBytes.class,
      description = "Record bytes held for all subscribers together (default: 256MiB).")
  long subscriberBytes = D.subscriberBytes();

  /** Null when no one set it: then the default, but never above {@code --subscriber-bytes}. */
  @Option(names = "--account-subscriber-bytes", paramLabel = "SIZE", converter = ToBytes.class,
      description = "Record bytes held for one account's subscribers (default: 64MiB, or "
          + "--subscriber-bytes when that is smaller).")
  Long accountSubscriberBytes;

  @Option(names = "--tails-per-connection", paramLabel = "N",
      description = "Concurrent tails on one client connection (default: ${DEFAULT-VALUE}).")
  int tailsPerConnection = D.tailsPerConnection();

  @Option(names = "--tails-per-principal", paramLabel = "N",
      description = "Concurrent tails of one token's subject (default: ${DEFAULT-VALUE}).")
  int tailsPerPrincipal = D.tailsPerPrincipal();

  @Option(names = "--tails-per-account", paramLabel = "N",
      description = "Concurrent tails of one account (default: ${DEFAULT-VALUE}).")
  int tailsPerAccount = D.tailsPerAccount();

  @Option(names = "--stalled-tail-timeout", paramLabel = "DURATION",
      description = "A tail whose reader took nothing this long is cut (default: 30s).")
  Duration stalledTail = D.stalledTail();

  TailSettings settings() {
    long account = accountSubscriberBytes != null ? accountSubscriberBytes
        : Math.min(D.accountSubscriberBytes(), subscriberBytes);
    return new TailSettings(queueRecords, queueBytes, batchRecords, batchBytes, overflow,
        subscriberBytes, account, tailsPerConnection, tailsPerPrincipal, tailsPerAccount,
        stalledTail);
  }
}
