/**
 * The runner SDK: {@link dev.sluice.client.runner.SluiceRunner} streams a runner's lines and
 * request events to the broker over one Ingest stream, batched, sequence-numbered, bounded,
 * and resent after a reconnect; {@link dev.sluice.client.runner.RequestScope} marks a request.
 * Everything else in this package is internal.
 */
package dev.sluice.client.runner;
