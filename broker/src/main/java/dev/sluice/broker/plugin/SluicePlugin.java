package dev.sluice.broker.plugin;

/**
 * A subscriber plugin, found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.sluice.broker.plugin.SluicePlugin}). A plugin sees the broker
 * only through its {@link PluginContext}: it subscribes with a grant, reads the store through
 * a grant, and never reaches into another plugin.
 *
 * <pre>{@code
 * public final class CountingPlugin implements SluicePlugin {
 *   public String name() { return "count"; }
 *   public void start(PluginContext ctx) { ... ctx.subscribe(grant, records -> ...) ... }
 * }
 * }</pre>
 */
public interface SluicePlugin {
  /** Short unique name, for logs and settings. */
  String name();

  /** Called once, before the broker accepts calls. */
  void start(PluginContext context);

  /** Called once on shutdown, after ingest stopped: flush and tell clients, then return. */
  default void stop() {}
}
