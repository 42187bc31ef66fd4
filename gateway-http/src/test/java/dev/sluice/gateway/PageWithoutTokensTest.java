package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/** The page in front of a broker that runs without tokens ({@code sluice up --insecure}). */
class PageWithoutTokensTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(broker -> broker.withInsecure(true),
      UnaryOperator.identity());

  @Test
  void opensWithoutSigningInAndShowsLinesLive(@TempDir Path downloads) {
    try (HeadlessChromium chromium = HeadlessChromium.start(downloads, "UTC")) {
      WebDriver driver = chromium.driver();
      driver.get(gw.baseUrl() + "/");
      await().atMost(GatewayFixture.WAIT).pollInSameThread().until(() -> "logs".equals(
          driver.findElement(By.tagName("body")).getDomAttribute("data-view")));
      assertThat(driver.findElement(By.id("whoami")).getText()).contains("admin");

      gw.runner("acme", "demo", "r1").info("no token needed");

      await().atMost(GatewayFixture.WAIT).pollInSameThread().until(() -> driver.findElements(
          By.cssSelector("#logs .row .msg")).stream().anyMatch(m -> m.getText().equals(
          "no token needed")));

      // Signing in again takes no token either.
      driver.findElement(By.id("signout")).click();
      await().atMost(GatewayFixture.WAIT).pollInSameThread().until(() -> "signin".equals(
          driver.findElement(By.tagName("body")).getDomAttribute("data-view")));
      driver.findElement(By.id("signin")).click();
      await().atMost(GatewayFixture.WAIT).pollInSameThread().until(() -> "logs".equals(
          driver.findElement(By.tagName("body")).getDomAttribute("data-view")));
    }
  }
}
