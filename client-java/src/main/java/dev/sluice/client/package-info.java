/**
 * The Sluice Java client. Runners log through {@link dev.sluice.client.runner.SluiceRunner};
 * readers tail through {@link dev.sluice.client.tail.SluiceSubscriber}; the {@code sluice}
 * command line is {@link dev.sluice.client.cli.SluiceCli}. {@link dev.sluice.client.Subjects}
 * checks subject tokens and filters with the broker's rules. The client never imports the
 * broker: everything goes over gRPC ({@code sluice/v1}).
 */
package dev.sluice.client;
