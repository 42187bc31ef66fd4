package dev.sluice.broker.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppPoliciesTest {

  @Test
  void adminSettingAndRunnerAnnouncementSurviveReopening(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("app-policies");
    try (AppPolicies policies = AppPolicies.open(file)) {
      policies.set("acct", "secret-app", true).get(5, TimeUnit.SECONDS);
      policies.set("acct", "made-public", false).get(5, TimeUnit.SECONDS);
      policies.announce("acct", "announced", true);
      policies.announce("acct", "made-public", true);
      Awaitility.await().until(() -> {
        try (AppPolicies reread = AppPolicies.open(file)) {
          return reread.isPrivate("acct", "announced");
        }
      });
    }
    try (AppPolicies reopened = AppPolicies.open(file)) {
      assertThat(reopened.isPrivate("acct", "secret-app")).isTrue();
      assertThat(reopened.isPrivate("acct", "announced")).isTrue();
      // The admin's "public" still wins over a runner's announcement after a restart.
      assertThat(reopened.isPrivate("acct", "made-public")).isFalse();
      assertThat(reopened.isPrivate("other-acct", "secret-app")).isFalse();
      assertThat(reopened.isPrivate("acct", "never-seen")).isFalse();
    }
  }
}
