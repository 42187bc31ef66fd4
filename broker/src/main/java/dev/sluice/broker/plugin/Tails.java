package dev.sluice.broker.plugin;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.v1.TailRequest;

/**
 * The live-tail capability, as transports reach it ({@link PluginHost#capability}): the tail
 * plugin provides it, and an endpoint never names the plugin's classes.
 */
public interface Tails {
  /**
   * Opens a tail for a reader that the access proxy granted {@code grant}. Call it on the
   * subscriber's event-loop context: the tail drains there.
   *
   * @param principal who reads (a token's subject), for the per-principal limit
   * @param connection the reader's connection, for the per-connection limit; null if none
   * @return the open tail
   * @throws SluiceException RESOURCE_EXHAUSTED past a limit on concurrent tails
   */
  Tail open(ReadGrant grant, String principal, String connection, TailRequest request,
      TailSink sink);

  /** An open tail, as its transport drives it. */
  interface Tail {
    /** The transport became writable again. Call on the subscriber's context. */
    void onReady();

    /** The subscriber went away. */
    void cancel();
  }
}
