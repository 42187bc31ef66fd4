package dev.sluice.broker.access;

import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.SubjectFilter;
import dev.sluice.proto.v1.Record;

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

  /** PERMISSION_DENIED unless {@code principal} is an admin; {@code what} names the action. */
  void requireAdmin(Principal principal, String what);

  /** Where an ingest session's records go: the account, and the app label they carry. */
  record IngestGrant(String account, String app) {}

  /**
   * What a reader may see: records of {@code account} whose subject matches {@code filter}
   * and that {@code gate} lets through (for example, a caller's own requests only).
   */
  record ReadGrant(String account, SubjectFilter filter, Gate gate) {
    public ReadGrant(String account, SubjectFilter filter) {
      this(account, filter, Gate.ALL);
    }

    /** True if the reader may see {@code record} (its subject already matched). */
    public boolean allows(Record record) {
      return gate == Gate.ALL || gate.allows(record);
    }

    /** {@link #allows(Record)} without parsing a compact stored record for an open gate. */
    public boolean allows(StoredRecord record) {
      return gate == Gate.ALL || gate.allows(record.record());
    }

    /** {@code scan} with the filter's literal app, runner and request tokens as index hints. */
    public Scan hinted(Scan scan) {
      return scan.hints(filter.literal(0), filter.literal(1), filter.literal(2));
    }
  }

  /** A per-record decision beyond the subject filter. */
  @FunctionalInterface
  interface Gate {
    Gate ALL = record -> true;

    boolean allows(Record record);
  }
}
