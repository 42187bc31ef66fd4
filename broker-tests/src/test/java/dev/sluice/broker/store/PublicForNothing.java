package dev.sluice.broker.store;

/**
 * For ArchitectureTest only: a public store class that no other package uses, which the
 * small-API rule must catch (test code, so the rule's own scan of the broker never sees it).
 */
public final class PublicForNothing {
  private PublicForNothing() {}
}
