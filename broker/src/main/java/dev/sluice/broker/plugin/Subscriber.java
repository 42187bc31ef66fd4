package dev.sluice.broker.plugin;

import dev.sluice.broker.store.StoredRecord;
import io.vertx.core.Context;
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

  /**
   * The context this subscriber drains its records on, if it has one: the account's lane then
   * publishes there, where the records go next, and not on the runner's event loop, which
   * decodes the next batch meanwhile.
   */
  default Context context() {
    return null;
  }

  /** The same for a subscription over every account ({@link PluginContext#subscribeAll}). */
  @FunctionalInterface
  interface AcrossAccounts {
    void onRecords(String account, List<StoredRecord> records);
  }
}
