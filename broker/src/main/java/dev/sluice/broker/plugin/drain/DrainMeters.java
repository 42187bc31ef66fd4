package dev.sluice.broker.plugin.drain;

import dev.sluice.broker.stats.Stats;

/**
 * What the drains did, per account, in the broker's one registry (what a metrics endpoint
 * renders); each drain's own figures stay in its status.
 */
record DrainMeters(Stats.PerAccount deliveredLines, Stats.PerAccount failedPosts,
    Stats.PerAccount lostRecords) {
  static DrainMeters in(Stats stats) {
    return new DrainMeters(
        stats.perAccount("drain.delivered_lines", "lines the account's drains delivered"),
        stats.perAccount("drain.failed_posts", "posts to a drain's endpoint that failed"),
        stats.perAccount("drain.lost_records",
            "records a drain passed that recovery found damaged on disk"));
  }
}
