package dev.sluice.broker.store;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.Record;
import java.util.Set;

/**
 * The predicates of a tail or query on fields that are not subject tokens (level, source,
 * version, endpoint, trace id, text). Shared by every reader so they agree on what matches.
 */
public final class RecordPredicate {
  private static final RecordPredicate ALL = new RecordPredicate(Predicates.getDefaultInstance());

  private final int minLevel;
  private final Set<String> sources;
  private final Set<String> versions;
  private final Set<String> endpoints;
  private final String traceId;
  private final String contains;

  private RecordPredicate(Predicates p) {
    if (p.getMinLevel() == Level.UNRECOGNIZED) {
      throw SluiceException.invalid("where.min_level: unknown level");
    }
    this.minLevel = p.getMinLevelValue();
    this.sources = Set.copyOf(p.getSourcesList());
    this.versions = Set.copyOf(p.getVersionsList());
    this.endpoints = Set.copyOf(p.getEndpointsList());
    this.traceId = p.getTraceId();
    this.contains = p.getContains();
  }

  /** The predicate for {@code predicates}; INVALID_ARGUMENT for values that make no sense. */
  public static RecordPredicate of(Predicates predicates) {
    return predicates.equals(Predicates.getDefaultInstance()) ? ALL : new RecordPredicate(predicates);
  }

  /** {@link #test(Record)} without parsing a compact stored record when nothing is asked. */
  public boolean test(StoredRecord r) {
    return this == ALL || test(r.record());
  }

  public boolean test(Record r) {
    if (this == ALL) {
      return true;
    }
    return r.getLevelValue() >= minLevel
        && (sources.isEmpty() || sources.contains(r.getLabels().getSource()))
        && (versions.isEmpty() || versions.contains(r.getLabels().getVersion()))
        && (endpoints.isEmpty() || endpoints.contains(r.getLabels().getEndpoint()))
        && (traceId.isEmpty() || traceId.equals(r.getTraceId()))
        && (contains.isEmpty() || r.getMessage().contains(contains));
  }
}
