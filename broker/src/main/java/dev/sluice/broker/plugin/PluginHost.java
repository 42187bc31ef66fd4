package dev.sluice.broker.plugin;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.store.Draft;
import dev.sluice.broker.store.LogStore;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Router;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.store.Scan;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugins, gives them their context, and fans stored records out to their
 * subscriptions through the router.
 */
public final class PluginHost implements PluginContext {
  private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

  private final Vertx vertx;
  private final BrokerConfig config;
  private final LogStore store;
  private final Router<Subscriber> router;
  private final PublishLanes lanes;
  private final List<SluicePlugin> plugins = new ArrayList<>();

  public PluginHost(Vertx vertx, BrokerConfig config, LogStore store) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.router = new Router<>(config.routerCacheSize());
    this.lanes = new PublishLanes(router, eventLoopContexts(vertx), PluginHost::deliver);
  }

  /**
   * One context on each event loop, for the publishing lanes. A deployment's instances each get
   * a context of their own, spread over the event loops; a context made any other way from
   * outside an event loop would be the same one every time (Vert.x keeps it per thread).
   */
  private static List<Context> eventLoopContexts(Vertx vertx) {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    try {
      vertx.deployVerticle(() -> context -> {
        contexts.add(context);
        return Future.succeededFuture();
      }, new DeploymentOptions().setInstances(VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the publishing lanes", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("publishing lanes did not start", e);
    }
    return List.copyOf(contexts);
  }

  /** Loads every plugin on the class path and starts it. */
  public void start() {
    for (SluicePlugin plugin : ServiceLoader.load(SluicePlugin.class)) {
      plugin.start(this);
      plugins.add(plugin);
      LOG.info("plugin {} started", plugin.name());
    }
  }

  /** The started plugin of type {@code type}, if any. */
  public <P extends SluicePlugin> Optional<P> plugin(Class<P> type) {
    return plugins.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /**
   * Hands freshly stored records to the matching subscribers, on the account's publishing lane;
   * the store's listener ({@link LogStore#listen}). Completes once they are published.
   */
  public Future<Void> publish(String account, List<StoredRecord> records, List<Draft> drafts) {
    return lanes.offer(account, records, drafts);
  }

  private static void deliver(Subscriber subscriber, List<StoredRecord> batch) {
    try {
      subscriber.onRecords(batch);
    } catch (RuntimeException e) {
      // One broken subscriber must not cost the others their records, nor fail the
      // ingest of records that are already stored.
      LOG.warn("a subscriber failed to take {} records: {}", batch.size(), e.toString());
    }
  }

  /** Stops the plugins, newest first. */
  public void stop() {
    for (int i = plugins.size() - 1; i >= 0; i--) {
      SluicePlugin plugin = plugins.get(i);
      try {
        plugin.stop();
      } catch (RuntimeException e) {
        LOG.warn("plugin {} failed to stop cleanly", plugin.name(), e);
      }
    }
  }

  @Override
  public Registration subscribe(ReadGrant grant, Subscriber subscriber) {
    return router.add(grant.account(), grant.filter(), subscriber);
  }

  @Override
  public Future<ReadResult> read(ReadGrant grant, Scan scan) {
    // The grant's filter is also an index hint: a caller's read skips other requests' blocks.
    return store.read(grant.account(), scan.app() == null ? grant.hinted(scan) : scan)
        .map(raw -> {
          List<StoredRecord> allowed = new ArrayList<>(raw.records().size());
          for (StoredRecord record : raw.records()) {
            if (grant.filter().matches(record.subject()) && grant.allows(record)) {
              allowed.add(record);
            }
          }
          return new ReadResult(allowed, raw.missing(), raw.lastExamined(), raw.lost());
        });
  }

  @Override
  public Optional<RequestSpan> request(ReadGrant grant, String app, String requestId) {
    return store.request(grant.account(), app, requestId);
  }

  @Override
  public long lastSeq(ReadGrant grant) {
    return store.lastSeq(grant.account());
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public BrokerConfig config() {
    return config;
  }
}
