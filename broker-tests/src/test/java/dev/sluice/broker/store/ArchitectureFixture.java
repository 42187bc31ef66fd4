package dev.sluice.broker.store;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.plugin.tail.TailPlugin;

/**
 * For ArchitectureTest only: store classes that break the import rules, which the rules must
 * catch (this is test code, so the rules' own scan of the broker never sees it).
 */
public final class ArchitectureFixture {
  /** A store class importing a feature. */
  public static final Class<?> WRONG = ImportsAFeature.class;
  /** A store class importing the access proxy. */
  public static final Class<?> ALSO_WRONG = ImportsAccess.class;

  private ArchitectureFixture() {}

  static final class ImportsAFeature {
    TailPlugin plugin;
  }

  static final class ImportsAccess {
    AccessProxy access;
  }
}
