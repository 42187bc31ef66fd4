package dev.sluice.broker.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.drain.DrainPlugin;
import dev.sluice.broker.plugin.tail.TailPlugin;
import dev.sluice.broker.plugin.tail.TailSettings;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.store.MemoryStore;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin SPI: capabilities, each plugin's own settings, and the system grant. */
class PluginHostTest {
  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final MemoryStore store = new MemoryStore(1_000);

  @AfterEach
  void close() throws Exception {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private PluginHost host(Set<String> systemPlugins, List<java.lang.Record> settings) {
    PluginHost host = new PluginHost(vertx, new PluginHost.Options(dir, 1024, settings,
        systemPlugins, new Stats()), store);
    store.listen(host::publish);
    return host;
  }

  /** A plugin that remembers its context, and what it heard from every account. */
  static final class Probe implements SluicePlugin {
    PluginContext context;
    final Map<String, Integer> heard = new ConcurrentHashMap<>();

    @Override
    public String name() {
      return "probe";
    }

    @Override
    public void start(PluginContext context) {
      this.context = context;
    }
  }

  private static Record line(String subject) {
    return Record.newBuilder().setSubject(subject).setMessage("m").build();
  }

  @Test
  void aPluginReadsEveryAccountOnlyWithTheGrantTheSettingsGiveIt() {
    Probe denied = new Probe();
    host(Set.of(), List.of()).start(List.of(denied));
    assertThatThrownBy(() -> denied.context.systemGrant()).isInstanceOf(SluiceException.class)
        .hasMessageContaining("plugin probe may not read every account");

    Probe allowed = new Probe();
    PluginHost host = host(Set.of("probe"), List.of());
    host.start(List.of(allowed));
    PluginContext.SystemGrant grant = allowed.context.systemGrant();
    allowed.context.subscribeAll(grant, Subjects.filter("app.>"),
        (account, records) -> allowed.heard.merge(account, records.size(), Integer::sum));
    store.append("acme", "", 0, List.of(line("app.r1._"), line("other.r1._")));
    store.append("beta", "", 0, List.of(line("app.r2._")));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> allowed.heard.equals(Map.of("acme", 1, "beta", 1)));

    // Another plugin's grant is no grant for this one.
    assertThatThrownBy(() -> denied.context.subscribeAll(grant, Subjects.filter(">"),
        (account, records) -> { })).isInstanceOf(SluiceException.class)
        .hasMessageContaining("its own system grant");
  }

  @Test
  void eachPluginGetsItsOwnSettingsRecordAndNothingElse() {
    TailSettings tail = TailSettings.DEFAULTS.withTails(1, 2, 3);
    Probe probe = new Probe();
    host(Set.of(), List.<java.lang.Record>of(tail)).start(List.of(probe));
    assertThat(probe.context.settings(TailSettings.class)).isSameAs(tail);
    assertThatThrownBy(() -> probe.context.settings(
        dev.sluice.broker.plugin.drain.DrainSettings.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no DrainSettings");
    assertThat(probe.context.dataDir()).isEqualTo(dir);
  }

  @Test
  void endpointsFindCapabilitiesNotClasses() {
    PluginHost host = host(Set.of(), List.<java.lang.Record>of(TailSettings.DEFAULTS,
        dev.sluice.broker.plugin.drain.DrainSettings.DEFAULTS));
    host.start();
    try {
      assertThat(host.require(Tails.class)).isInstanceOf(TailPlugin.class);
      assertThat(host.require(Drains.class)).isInstanceOf(DrainPlugin.class);
      assertThat(host.capability(RequestLogs.class)).isPresent();
      assertThatThrownBy(() -> host.require(Runnable.class))
          .hasMessageContaining("no plugin on the class path provides Runnable");
    } finally {
      host.stop();
    }
    assertThat(ReadGrant.class).isNotNull();
  }
}
