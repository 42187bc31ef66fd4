/**
 * The subscriber client: {@link dev.sluice.client.tail.SluiceSubscriber} opens live tails, read
 * as a blocking {@link dev.sluice.client.tail.TailSubscription} or delivered to a callback
 * ({@link dev.sluice.client.tail.TailHandle}), with gRPC flow control so a slow reader pushes
 * back to the broker instead of buffering. A resuming tail
 * ({@link dev.sluice.client.tail.SluiceSubscriber#resumingTail}) reconnects by itself and
 * continues after the last record it received, telling a
 * {@link dev.sluice.client.tail.ReconnectListener}.
 */
package dev.sluice.client.tail;
