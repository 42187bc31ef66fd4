package dev.sluice.broker.plugin;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.store.Scan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;

/** What a plugin may use of the broker. Every read takes a grant from the access proxy. */
public interface PluginContext {

  /** Delivers records of the grant's account whose subject matches its filter. */
  Registration subscribe(ReadGrant grant, Subscriber subscriber);

  /**
   * Reads stored records as {@code scan} says (up to {@code max} examined), keeping those the
   * grant allows; {@code missing} counts records already gone from the store. Completes at
   * once from memory, or later on the caller's context after a read from disk.
   */
  Future<ReadResult> read(ReadGrant grant, Scan scan);

  /** Where a request of the grant's account lies in the store, if it is still known. */
  Optional<RequestSpan> request(ReadGrant grant, String app, String requestId);

  /** Highest sequence stored in the grant's account. */
  long lastSeq(ReadGrant grant);

  Vertx vertx();

  BrokerConfig config();
}
