package dev.sluice.broker.access;

import dev.sluice.broker.subject.SubjectFilter;

/**
 * The one place that decides who may write and read what. Every gRPC call authenticates here
 * and every read and write is authorized here; plugins read only through grants it issued.
 * Failures are {@code SluiceException}s: UNAUTHENTICATED for missing or bad credentials,
 * PERMISSION_DENIED for valid credentials that reach past their rights.
 */
public interface AccessProxy {

  /**
   * Establishes the principal from the call's {@code authorization} header value (may be
   * null when the header is absent). Never logs or echoes the header.
   */
  Principal authenticate(String authorization);

  /** May {@code principal} open an ingest session for {@code app}? Returns the grant. */
  IngestGrant authorizeIngest(Principal principal, String app);

  /** May {@code principal} read subjects matching {@code filter}? Returns the grant. */
  ReadGrant authorizeRead(Principal principal, SubjectFilter filter);

  /** Where an ingest session's records go: the account, and the app label they carry. */
  record IngestGrant(String account, String app) {}

  /** What a reader may see: subjects of {@code account} matching {@code filter}. */
  record ReadGrant(String account, SubjectFilter filter) {}
}
