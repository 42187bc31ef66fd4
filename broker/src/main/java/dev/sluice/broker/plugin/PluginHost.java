package dev.sluice.broker.plugin;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.store.Draft;
import dev.sluice.broker.store.LogStore;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Router;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.broker.subject.SubjectFilter;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugins, gives each its own {@link PluginContext}, finds the capability an
 * endpoint asks for ({@link #capability}), and fans stored records out to subscriptions through
 * the router, on the publishing lanes.
 */
public final class PluginHost {
  private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

  /**
   * What the host gives its plugins.
   *
   * @param dataDir the broker's data directory
   * @param routerCacheSize entries of the subject match cache
   * @param settings the plugins' settings records, by type (one record per type)
   * @param systemPlugins names of the plugins that may read every account
   * @param stats the broker's statistics
   */
  public record Options(Path dataDir, int routerCacheSize, List<Record> settings,
      Set<String> systemPlugins, Stats stats) {
    public Options {
      settings = List.copyOf(settings);
      systemPlugins = Set.copyOf(systemPlugins);
    }
  }

  private final Vertx vertx;
  private final Options options;
  private final LogStore store;
  private final Router<Subscriber> router;
  private final PublishLanes lanes;
  private final List<SluicePlugin> plugins = new ArrayList<>();

  public PluginHost(Vertx vertx, Options options, LogStore store) {
    this.vertx = vertx;
    this.options = options;
    this.store = store;
    this.router = new Router<>(options.routerCacheSize());
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
    start(ServiceLoader.load(SluicePlugin.class));
  }

  /** Starts {@code found}, in order (tests start plugins of their own this way). */
  void start(Iterable<? extends SluicePlugin> found) {
    for (SluicePlugin plugin : found) {
      plugin.start(new View(plugin.name()));
      plugins.add(plugin);
      LOG.info("plugin {} started", plugin.name());
    }
  }

  /**
   * The capability {@code type} (an interface of this package, such as {@link Tails}) of the
   * first started plugin that provides it: endpoints reach plugins only this way.
   */
  public <C> Optional<C> capability(Class<C> type) {
    return plugins.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /** {@link #capability}, or an exception naming what the class path lacks. */
  public <C> C require(Class<C> type) {
    return capability(type).orElseThrow(() -> new IllegalStateException(
        "no plugin on the class path provides " + type.getSimpleName()));
  }

  /**
   * Hands freshly stored records to the matching subscribers, on the account's publishing lane;
   * the store's listener ({@link LogStore#listen}). Completes once they are queued there (once
   * published, when the lane is behind).
   */
  public Future<Void> publish(String account, List<StoredRecord> records, List<Draft> drafts,
      Context appender) {
    return lanes.offer(account, records, drafts, appender);
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

  /** Subscribes as a plugin would, for the composition root and tests. */
  public Registration subscribe(ReadGrant grant, Subscriber subscriber) {
    Registration routed = router.add(grant.account(), grant.filter(), subscriber);
    Registration placed = lanes.placeNear(grant.account(), subscriber.context());
    return () -> {
      routed.close();
      placed.close();
    };
  }

  /** One plugin's view of the broker. */
  private final class View implements PluginContext {
    private final String plugin;

    View(String plugin) {
      this.plugin = plugin;
    }

    @Override
    public Registration subscribe(ReadGrant grant, Subscriber subscriber) {
      return PluginHost.this.subscribe(grant, subscriber);
    }

    @Override
    public Registration subscribeAll(SystemGrant grant, SubjectFilter filter,
        Subscriber.AcrossAccounts subscriber) {
      if (grant == null || grant.holder != this) {
        throw new SluiceException(Failure.PERMISSION_DENIED,
            "plugin " + plugin + ": reading every account needs its own system grant");
      }
      return lanes.acrossAccounts(filter, subscriber);
    }

    @Override
    public SystemGrant systemGrant() {
      if (!options.systemPlugins().contains(plugin)) {
        throw new SluiceException(Failure.PERMISSION_DENIED, "plugin " + plugin
            + " may not read every account (the broker's systemPlugins does not name it)");
      }
      return new SystemGrant(plugin, this);
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
    public <S extends Record> S settings(Class<S> type) {
      for (Record settings : options.settings()) {
        if (type.isInstance(settings)) {
          return type.cast(settings);
        }
      }
      throw new IllegalStateException("plugin " + plugin + ": the broker has no "
          + type.getSimpleName());
    }

    @Override
    public Path dataDir() {
      return options.dataDir();
    }

    @Override
    public Stats stats() {
      return options.stats();
    }
  }
}
