package dev.sluice.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver
 * ({@code gateway-http/install-chromium} installs both). Both paths are given to Selenium, so
 * Selenium Manager never looks for or downloads a browser or driver.
 */
final class HeadlessChromium implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /**
   * Quiet: the tests use WebDriver only, never the DevTools protocol, so it does not matter that
   * Debian's Chromium is newer than the DevTools versions this Selenium release ships. Held in
   * a field because java.util.logging keeps loggers weakly.
   */
  private static final Logger CDP_VERSIONS =
      quiet("org.openqa.selenium.devtools.CdpVersionFinder");

  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
    this.service = service;
    this.driver = driver;
  }

  /**
   * Starts a browser whose downloads land in {@code downloads} and whose local time is that of
   * {@code timeZone} (an IANA name such as {@code Asia/Kolkata}).
   */
  static HeadlessChromium start(Path downloads, String timeZone) {
    for (Path needed : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(needed)) {
        throw new IllegalStateException(needed + " is missing (expected: Debian's chromium and "
            + "chromium-driver; run gateway-http/install-chromium)");
      }
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withTimeout(Duration.ofSeconds(30))
        .withEnvironment(Map.of("TZ", timeZone))
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // --no-sandbox: the tests may run as root (CI does), where Chromium's sandbox refuses to
    // start; /dev/shm is small in containers.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--window-size=1400,860", "--lang=en-US", "--disable-gpu",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update");
    options.setExperimentalOption("prefs", Map.of(
        "download.default_directory", downloads.toAbsolutePath().toString(),
        "download.prompt_for_download", false));
    try {
      return new HeadlessChromium(service, new ChromeDriver(service, options));
    } catch (RuntimeException e) {
      service.stop();
      throw e;
    }
  }

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.SEVERE);
    return logger;
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Saves a PNG of the window to {@code file}. */
  void screenshot(Path file) throws java.io.IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
