package dev.sluice.broker.ingest;

import dev.sluice.proto.v1.Labels;

/** An open request on a runner: its id, subject, and the labels its lines carry. */
record RequestScope(String requestId, String subject, Labels labels) {}
