package dev.sluice.broker.grpc;

import dev.sluice.proto.v1.DrainsGrpc;

/**
 * The Drains service: every method answers UNIMPLEMENTED (the generated defaults) until the
 * drains issue builds them. Bound now so clients get an honest answer, not "unknown service".
 */
final class DrainsService extends DrainsGrpc.DrainsImplBase {}
