/**
 * The test fixture of every module's tests (sluice-testing, a test-scoped dependency).
 *
 * <ul>
 *   <li>{@link dev.sluice.testing.SluiceBroker}: a JUnit 5 extension that starts a real broker
 *       in the test's JVM on 127.0.0.1 port 0, insecure or secured by an issuer key made for
 *       the test, and closes it after each test.
 *   <li>{@link dev.sluice.testing.RawRunner} and {@link dev.sluice.testing.TailCollector}: a
 *       runner and a subscriber on the plain generated grpc-java stubs.
 *   <li>{@link dev.sluice.testing.BrokerChannels}: a channel to a broker a test started itself;
 *       {@link dev.sluice.testing.BrokerProcess}: a broker in a JVM of its own, to kill (any
 *       other child JVM: common's test-jar, {@code dev.sluice.common.testing.JavaProcess}).
 *   <li>{@link dev.sluice.testing.RawHttp2}, {@link dev.sluice.testing.HoldingClient},
 *       {@link dev.sluice.testing.LogCapture}: misbehaving peers and the broker's log, for the
 *       tests of how it holds up.
 * </ul>
 *
 * <p>It depends on the broker and on nothing that uses it: the broker's own tests live in
 * broker-tests, and fixtures for client-java or gateway-http (GatewayFixture) stay in their
 * modules' tests, which depend on this one.
 */
package dev.sluice.testing;
