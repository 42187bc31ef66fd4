package dev.sluice.broker.ingest;

import dev.sluice.broker.store.Draft;
import dev.sluice.broker.subject.Router;

/**
 * A line's draft with its request's route memo beside it: the store hands the draft back with
 * the stored record, and publishing finds the record's subscribers without a lookup. The
 * store itself never sees the memo.
 */
final class RoutedDraft extends Draft implements Router.Routed {
  private final Router.Memo routeMemo;

  RoutedDraft(RequestScope scope, long timeUnixNano, Encoding encoding) {
    super(scope.subject(), scope.indexKeys(), timeUnixNano, encoding, null);
    this.routeMemo = scope.routeMemo();
  }

  @Override
  public Router.Memo routeMemo() {
    return routeMemo;
  }
}
