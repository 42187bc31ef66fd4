/**
 * The subscriber client: {@link dev.sluice.client.tail.SluiceSubscriber} opens live tails, read
 * as a blocking {@link dev.sluice.client.tail.TailSubscription} or delivered to a callback
 * ({@link dev.sluice.client.tail.TailHandle}), with gRPC flow control so a slow reader pushes
 * back to the broker instead of buffering.
 */
package dev.sluice.client.tail;
