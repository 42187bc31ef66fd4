package dev.sluice.broker.plugin;

import dev.sluice.broker.store.StoredRecord;
import java.util.List;

/**
 * Receives the stored records that match its subscription, in the account's sequence order.
 * Called on the account's publishing lane (an event loop that other accounts and connections
 * share): it must return quickly and never block (queue the records and drain them on your own
 * context).
 */
@FunctionalInterface
public interface Subscriber {
  void onRecords(List<StoredRecord> records);

  /** The same for a subscription over every account ({@link PluginContext#subscribeAll}). */
  @FunctionalInterface
  interface AcrossAccounts {
    void onRecords(String account, List<StoredRecord> records);
  }
}
