package dev.sluice.broker.access;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-app policy, today whether its logs are private: callers of a private app see their
 * requests' state but no lines (owners see everything). Runners announce it in Hello; an
 * admin's setting, once made, wins over the announcements. Held in memory.
 */
public final class AppPolicies {
  private final ConcurrentHashMap<String, Policy> apps = new ConcurrentHashMap<>();

  private static final class Policy {
    volatile boolean announcedPrivate;
    volatile Boolean adminPrivate;

    boolean isPrivate() {
      Boolean admin = adminPrivate;
      return admin != null ? admin : announcedPrivate;
    }
  }

  private Policy policy(String account, String app) {
    return apps.computeIfAbsent(account + '\u0000' + app, k -> new Policy());
  }

  /**
   * A runner's Hello said whether the app's logs are private. Sticky: one runner (an old SDK,
   * a default value) must not make a private app public; only an admin can turn it off.
   */
  public void announce(String account, String app, boolean privateLogs) {
    if (privateLogs) {
      policy(account, app).announcedPrivate = true;
    }
  }

  /** An admin set the policy; it overrides what runners announce. */
  public void set(String account, String app, boolean privateLogs) {
    policy(account, app).adminPrivate = privateLogs;
  }

  public boolean isPrivate(String account, String app) {
    Policy p = apps.get(account + '\u0000' + app);
    return p != null && p.isPrivate();
  }
}
