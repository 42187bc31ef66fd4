package dev.sluice.broker.ingest;

import dev.sluice.broker.store.StoredRecord;
import java.util.List;

/** Hands stored records to the router. Ingest knows no more of subscribers than this. */
@FunctionalInterface
public interface Publisher {
  void publish(String account, List<StoredRecord> records);
}
