package dev.sluice.broker.plugin;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.broker.subject.SubjectFilter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a plugin may use of the broker: each plugin has its own. Every read takes a grant from
 * the access proxy, which names one account; records of every account need a
 * {@link SystemGrant}, which the broker's settings give to named plugins only.
 */
public interface PluginContext {

  /** Delivers records of the grant's account whose subject matches its filter. */
  Registration subscribe(ReadGrant grant, Subscriber subscriber);

  /**
   * Delivers records of every account whose subject matches {@code filter}, each account's in
   * its sequence order. Only with this plugin's {@link #systemGrant()}.
   */
  Registration subscribeAll(SystemGrant grant, SubjectFilter filter,
      Subscriber.AcrossAccounts subscriber);

  /**
   * This plugin's grant to read across accounts.
   *
   * @throws SluiceException PERMISSION_DENIED unless the broker's settings name this plugin
   *     ({@code systemPlugins}): a plugin never reads other accounts by accident
   */
  SystemGrant systemGrant();

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

  /**
   * This plugin's settings record of {@code type}, as the broker was configured (validated in
   * the record's constructor); each plugin sees its own, never the broker's whole config.
   *
   * @throws IllegalStateException if the broker has no settings of that type
   */
  <S extends Record> S settings(Class<S> type);

  /** The broker's data directory, where a plugin keeps its state files. */
  Path dataDir();

  /** The broker's statistics, where a plugin registers its meters. */
  Stats stats();

  /** A plugin's grant to read every account; only {@link #systemGrant()} makes one. */
  final class SystemGrant {
    private final String plugin;
    final Object holder; // the context it was given through: good there only

    SystemGrant(String plugin, Object holder) {
      this.plugin = plugin;
      this.holder = holder;
    }

    /** The plugin it was given to. */
    public String plugin() {
      return plugin;
    }
  }
}
