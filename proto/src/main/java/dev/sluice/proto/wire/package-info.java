/**
 * The hand-written protobuf codec shared by the broker, the runner SDK and the gateway:
 * {@link dev.sluice.proto.wire.Tags} (every tag a hand codec uses, built from the generated
 * field numbers), {@link dev.sluice.proto.wire.WireWriter} and
 * {@link dev.sluice.proto.wire.WireReader}. They exist for hot paths that keep messages in
 * their bytes; everything else uses protobuf's generated code. Each codec built on them is
 * held byte for byte to protobuf's by a test that walks every field of its messages
 * ({@code FieldWalk} in this module's test jar). Not an API for Sluice's users.
 */
package dev.sluice.proto.wire;
