package dev.sluice.broker.plugin;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.subject.Router.Registration;
import io.vertx.core.Vertx;

/** What a plugin may use of the broker. Every read takes a grant from the access proxy. */
public interface PluginContext {

  /** Delivers records of the grant's account whose subject matches its filter. */
  Registration subscribe(ReadGrant grant, Subscriber subscriber);

  /**
   * Reads stored records after {@code afterSeq}, up to {@code max} examined, keeping those the
   * grant allows; {@code missing} counts records already gone from the store.
   */
  ReadResult read(ReadGrant grant, long afterSeq, int max);

  /** Highest sequence stored in the grant's account. */
  long lastSeq(ReadGrant grant);

  Vertx vertx();

  BrokerConfig config();
}
