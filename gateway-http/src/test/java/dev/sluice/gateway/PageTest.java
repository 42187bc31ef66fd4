package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Level;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The page in a real headless Chromium against a real gateway and secured broker: runners log
 * through the client library, the browser signs in with a token and shows what a person would.
 */
class PageTest {
  private static final Duration WAIT = GatewayFixture.WAIT;
  /** logview.js ROW_HEIGHT. */
  private static final int LOG_ROW_HEIGHT = 22;
  /** A time zone far from UTC, so local and UTC times differ in the browser. */
  static final String BROWSER_ZONE = "Asia/Kolkata";

  @TempDir
  static Path downloads;
  private static HeadlessChromium chromium;
  private static WebDriver driver;

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @BeforeAll
  static void startBrowser() {
    chromium = HeadlessChromium.start(downloads, BROWSER_ZONE);
    driver = chromium.driver();
  }

  @AfterAll
  static void stopBrowser() {
    if (chromium != null) {
      chromium.close();
    }
  }

  @BeforeEach
  void forgetEarlierSessions() {
    // Cookies are per host, not per port: the last test's gateway left one for 127.0.0.1.
    driver.get(gw.baseUrl() + "/healthz");
    driver.manage().deleteAllCookies();
  }

  @Test
  void showsARunnersLinesLive() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("hello from the runner");
    runner.error("something broke", Map.of("gpu", "0"));

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(rows("#logs"))
        .extracting(Row::message).contains("hello from the runner", "something broke"));
    Row error = rows("#logs").stream().filter(r -> r.message().equals("something broke"))
        .findFirst().orElseThrow();
    assertThat(error.level()).isEqualTo("error");
    assertThat(error.subject()).isEqualTo("demo.r1._");
    assertThat(error.fields()).isEqualTo("gpu=0");
    assertThat(text("#conn")).isEqualTo("live");
  }

  @Test
  void choosingLevelWarnHidesInfoLines() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("all is well");
    runner.warn("disk almost full");
    runner.error("disk full");
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .contains("all is well", "disk almost full", "disk full"));

    new Select(driver.findElement(By.id("level"))).selectByValue("warn");

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactly("disk almost full", "disk full"));
    assertThat(rows("#logs")).extracting(Row::level).containsOnly("warn", "error");
    runner.info("still fine");
    runner.warn("disk full again");
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactly("disk almost full", "disk full", "disk full again"));
  }

  @Test
  void clickingARequestIdShowsThatRequestsView() {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    try (RequestScope one = runner.request("req-1", "/predict", "carol");
        RequestScope two = runner.request("req-2", "/predict", "dave")) {
      one.info("req-1 loading weights");
      two.info("req-2 loading weights");
      one.warn("req-1 slow GPU");
      two.info("req-2 done");
      one.info("req-1 done");
    }
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .contains("req-1 slow GPU", "req-2 done"));

    driver.findElement(By.cssSelector("#logs .row[data-request='req-1'] .req")).click();

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(view()).isEqualTo("request");
      assertThat(rows("#req-live")).extracting(Row::message)
          .contains("req-1 loading weights", "req-1 slow GPU", "req-1 done");
    });
    assertThat(driver.getCurrentUrl()).endsWith("#/request/demo/req-1");
    assertThat(text("#req-subject")).isEqualTo("demo.*.req-1");
    assertThat(rows("#req-live")).extracting(Row::request).containsOnly("req-1");
    assertThat(messages("#req-live")).noneMatch(m -> m.contains("req-2"));
    // Beside it, what the request's caller reads from the status endpoint.
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(text("#req-status")).isEqualTo("COMPLETED");
      assertThat(callerMessages()).containsExactly("req-1 loading weights", "req-1 slow GPU",
          "req-1 done");
    });
    assertThat(text("#req-result")).isEqualTo("OK");
  }

  @Test
  void aCallerOfAPrivateAppSeesAnEmptyLogInTheRequestView() throws Exception {
    setPrivateLogs("demo");
    logRequest("demo", "req-1", "carol", "private thoughts");

    signInTo(gw.token("carol", "acme", Role.CALLER, ""), "request");
    driver.get(gw.baseUrl() + "/#/request/demo/req-1");

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(text("#req-status")).isEqualTo("COMPLETED");
      assertThat(attribute("#caller-logs", "data-loaded")).isEqualTo("true");
      assertThat(driver.findElement(By.id("caller-empty")).isDisplayed()).isTrue();
    });
    assertThat(callerMessages()).isEmpty();
    // The live pane shows that the request ran (its start and end) and not one of its lines.
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(rows("#req-live"))
        .extracting(Row::kind).containsExactly("request_start", "request_end"));
    await().during(Duration.ofSeconds(1)).atMost(WAIT).pollInSameThread()
        .untilAsserted(() -> assertThat(messages("#req-live")).isEmpty());
  }

  @Test
  void aCallerOfAPublicAppSeesItsRequestsLogInTheRequestView() throws Exception {
    logRequest("demo", "req-1", "carol", "public thoughts");

    // A caller lands on the request view and opens its request by app and id.
    signInTo(gw.token("carol", "acme", Role.CALLER, ""), "request");
    driver.findElement(By.id("req-app")).sendKeys("demo");
    driver.findElement(By.id("req-id")).sendKeys("req-1", Keys.ENTER);

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(text("#req-status")).isEqualTo("COMPLETED");
      assertThat(callerMessages()).containsExactly("public thoughts");
      assertThat(messages("#req-live")).containsExactly("public thoughts");
    });
    assertThat(driver.findElement(By.id("caller-empty")).isDisplayed()).isFalse();
  }

  @Test
  void spacePausesAndResumesWithoutLosingLines() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("before the pause");
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .contains("before the pause"));

    pressOnPage(" ");
    await().atMost(WAIT).pollInSameThread().until(() -> "paused".equals(attribute("#conn",
        "data-state")));
    assertThat(text("#pause")).isEqualTo("Resume");
    runner.info("during the pause");
    assertThat(runner.flush(WAIT)).isTrue();
    await().during(Duration.ofSeconds(1)).atMost(WAIT).pollInSameThread()
        .until(() -> !messages("#logs").contains("during the pause"));

    pressOnPage(" ");
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactly("before the pause", "during the pause"));
    assertThat(attribute("#conn", "data-state")).isEqualTo("live");
  }

  @Test
  void slashFocusesTheTextFilterWhichGrepsTheTail() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("cache miss for user 42");
    runner.info("cache hit for user 7");
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .hasSize(2));

    pressOnPage("/");
    WebElement grep = driver.switchTo().activeElement();
    assertThat(grep.getAttribute("id")).isEqualTo("grep");
    grep.sendKeys("miss", Keys.ENTER);

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactly("cache miss for user 42"));
  }

  @Test
  void theTraceFilterShowsOneTracesLinesAcrossRunners() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner one = gw.runner("acme", "demo", "r1");
    SluiceRunner two = gw.runner("acme", "demo", "r2");
    one.log(new LogEntry(0, Level.INFO, dev.sluice.proto.v1.Stream.STRUCTURED,
        "r1 in the trace", Map.of(), "",
        trace, ""));
    one.info("r1 without a trace");
    two.log(new LogEntry(0, Level.WARN, dev.sluice.proto.v1.Stream.STRUCTURED,
        "r2 in the trace", Map.of(), "",
        trace, ""));
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .hasSize(3));

    WebElement field = driver.findElement(By.id("trace"));
    field.sendKeys(trace, Keys.ENTER);

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactlyInAnyOrder("r1 in the trace", "r2 in the trace"));
  }

  @Test
  void loadOlderBringsTheLinesBeforeTheFirstShown() {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    for (int i = 0; i < 600; i++) {
      runner.info("line " + i);
    }
    assertThat(runner.flush(WAIT)).isTrue();
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    // A fresh tail begins with the last 500.
    await().atMost(WAIT).pollInSameThread().until(() -> text("#count").equals("500 lines"));

    driver.findElement(By.id("load-older")).click();

    await().atMost(WAIT).pollInSameThread().until(() -> text("#count").equals("600 lines"));
    scrollLog("#logs", 0);
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .startsWith("line 0", "line 1", "line 2"));
    // Scrolling to the top asked for more, and there is none: nothing repeated or added.
    await().atMost(WAIT).pollInSameThread().until(() -> text("#history-state")
        .contains("no older lines"));
    assertThat(text("#count")).isEqualTo("600 lines");
  }

  @Test
  void downloadSavesWhatIsShownAsNdjson() throws Exception {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("first");
    runner.warn("second", Map.of("k", "v"));
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .containsExactly("first", "second"));

    driver.findElement(By.id("download")).click();

    Path file = await().atMost(WAIT).until(() -> downloaded(), f -> f != null);
    List<JsonObject> lines = Files.readAllLines(file).stream().map(JsonObject::new).toList();
    assertThat(lines).extracting(j -> j.getString("message")).containsExactly("first", "second");
    assertThat(lines.get(1).getString("level")).isEqualTo("warn");
    assertThat(lines.get(1).getJsonObject("fields").getString("k")).isEqualTo("v");
    assertThat(lines.get(1).getString("cursor")).isNotEmpty();
  }

  @Test
  void timesShowInLocalTimeOrUtc() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    gw.runner("acme", "demo", "r1").info("what time is it");
    await().atMost(WAIT).pollInSameThread().until(() -> messages("#logs").size() == 1);
    Row row = rows("#logs").get(0);
    Instant at = Instant.parse(row.timestamp());
    DateTimeFormatter clock = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    assertThat(row.time()).isEqualTo(clock.withZone(ZoneId.of(BROWSER_ZONE)).format(at));

    pressOnPage("t");

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(rows("#logs").get(0)
        .time()).isEqualTo(clock.withZone(ZoneId.of("UTC")).format(at)));
    assertThat(text("#tz")).isEqualTo("UTC");
  }

  @Test
  void aBrokerThatGoesAwayIsShownAndRetried() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));

    gw.broker().close(); // the fixture's own close afterwards finds it closed

    // The page says so where the log ends and in the status bar, and keeps trying.
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(driver.findElements(By.cssSelector("#logs .row.notice[data-kind='error']")))
          .isNotEmpty();
      assertThat(driver.findElement(By.id("problem")).isDisplayed()).isTrue();
      assertThat(attribute("#conn", "data-state")).isEqualTo("reconnecting");
    });
    assertThat(text("#conn")).startsWith("reconnecting");
  }

  @Test
  void signingOutEndsTheSession() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    assertThat(text("#whoami")).isEqualTo("ann · member · acme");

    driver.findElement(By.id("signout")).click();

    await().atMost(WAIT).pollInSameThread().until(() -> view().equals("signin"));
    driver.navigate().refresh();
    await().atMost(WAIT).pollInSameThread().until(() -> view().equals("signin"));
  }

  @Test
  void aBadTokenIsRefusedWithTheGatewaysProblem() {
    driver.get(gw.baseUrl() + "/");
    await().atMost(WAIT).pollInSameThread().until(() -> view().equals("signin"));
    driver.findElement(By.id("token")).sendKeys("not-a-token", Keys.ENTER);
    await().atMost(WAIT).pollInSameThread().until(() -> driver.findElement(By.id("signin-error"))
        .isDisplayed());
    assertThat(text("#signin-error")).startsWith("401");
    assertThat(view()).isEqualTo("signin");
  }

  @Test
  void holdsAHundredThousandLinesWithOnlyTheVisibleRowsInTheDom() {
    signIn(gw.token("ann", "acme", Role.MEMBER, ""));
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    int total = 100_500; // 500 more than the page keeps
    for (int i = 0; i < total; i++) {
      runner.info("line " + i);
      if (i % 10_000 == 9_999) {
        flushed(runner); // within the runner's own buffer of 100,000
      }
    }
    flushed(runner);

    Duration bulk = Duration.ofSeconds(90); // 100,500 events through one browser on 2 cores
    await().atMost(bulk).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .last().isEqualTo("line " + (total - 1)));
    assertThat(text("#count")).isEqualTo("100,000 lines · 500 older dropped from the page");
    assertThat(driver.findElements(By.cssSelector("#logs .row")).size()).isLessThan(100);

    // Scrolling up unfollows and shows the lines at that place, rendered on demand.
    scrollLog("#logs", 50_000 * LOG_ROW_HEIGHT);
    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
      assertThat(text("#follow")).isEqualTo("Follow");
      assertThat(firstVisible()).isEqualTo("line " + (500 + 50_000));
    });
    assertThat(driver.findElements(By.cssSelector("#logs .row")).size()).isLessThan(100);
    // New lines push the oldest out, and what is in view stays in view.
    runner.info("one more");
    runner.info("and another");
    await().atMost(WAIT).pollInSameThread().until(() -> text("#count").startsWith(
        "100,000 lines · 502 older"));
    assertThat(firstVisible()).isEqualTo("line " + (500 + 50_000));
  }

  /** A realistic screen for the README: target/page.png (docs/page.png is a copy). */
  @Test
  void rendersAScreenOfVariedLines() throws Exception {
    signIn(gw.token("ann", "acme", Role.ADMIN, ""));
    SluiceRunner a = gw.runner("acme", "imagegen", "gpu-a1");
    SluiceRunner b = gw.runner("acme", "imagegen", "gpu-b2");
    a.info("runner started", Map.of("model", "sdxl-turbo", "version", "1.4.2"));
    a.debug("loading weights from /models/sdxl-turbo (6.9 GB)");
    a.info("weights loaded in 41.3 s");
    flushed(a);
    b.info("runner started", Map.of("model", "sdxl-turbo", "version", "1.4.2"));
    b.info("weights loaded in 39.8 s");
    flushed(b);
    for (int i = 0; i < 6; i++) {
      SluiceRunner r = i % 2 == 0 ? a : b;
      try (RequestScope req = r.request("req-" + (7301 + i), "/v1/generate", "user-" + (40 + i))) {
        req.info("prompt received", Map.of("steps", String.valueOf(20 + i), "size", "1024x1024"));
        req.debug("scheduler: euler_a, guidance 7.5");
        if (i == 2) {
          req.warn("GPU memory at 93 %, lowering batch size to 1");
        }
        req.info("denoising step " + (10 + i) + "/" + (20 + i));
        if (i == 4) {
          req.error("CUDA out of memory (tried to allocate 1.2 GiB)");
          req.fail("OutOfMemoryError");
        } else {
          req.info("image ready in " + String.format("%.1f", 2.1 + i * 0.3) + " s");
        }
      }
      flushed(r); // one runner at a time, so the stored order reads as a story
    }
    b.warn("slow upload to object storage: 2.4 s", Map.of("bucket", "outputs"));
    flushed(b);
    a.fatal("worker crashed: segmentation fault in libcudnn");
    a.info("restarting worker");
    flushed(a);

    await().atMost(WAIT).pollInSameThread().untilAsserted(() -> assertThat(messages("#logs"))
        .contains("restarting worker"));
    assertThat(rows("#logs").size()).isGreaterThan(30);
    // The pointer rests on the header, not on a row it would highlight.
    new Actions(driver).moveToElement(driver.findElement(By.className("brand"))).perform();
    Path png = Path.of("target", "page.png");
    chromium.screenshot(png);
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  private static void flushed(SluiceRunner runner) {
    assertThat(runner.flush(WAIT)).isTrue();
  }

  // ---- helpers ----

  /** One rendered row of a log view, read in one script call. */
  record Row(String kind, String level, String request, String subject, String time,
      String timestamp, String message, String fields) {}

  /** Signs in and waits for the log view's tail to be live. */
  private void signIn(String token) {
    signInTo(token, "logs");
    await().atMost(WAIT).pollInSameThread().until(() -> "live".equals(attribute("#conn",
        "data-state")));
  }

  private void signInTo(String token, String view) {
    driver.get(gw.baseUrl() + "/");
    await().atMost(WAIT).pollInSameThread().until(() -> view().equals("signin"));
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.id("signin")).click();
    await().atMost(WAIT).pollInSameThread().until(() -> view().equals(view));
  }

  private void setPrivateLogs(String app) throws Exception {
    HttpResponse<String> set = gw.send(gw.request("/v1/apps/" + app + "/policy",
        gw.token("root", "acme", Role.ADMIN, "")).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"private_logs\":true}")).build());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
  }

  private void logRequest(String app, String id, String caller, String line) {
    SluiceRunner runner = gw.runner("acme", app, "r1");
    try (RequestScope request = runner.request(id, "/predict", caller)) {
      request.info(line);
    }
    assertThat(runner.flush(WAIT)).isTrue();
  }

  /** Types a key with the focus on the page itself, not in a field. */
  private void pressOnPage(CharSequence key) {
    js("document.activeElement && document.activeElement.blur()");
    new Actions(driver).sendKeys(key).perform();
  }

  /** The message of the first row at least half in view of the log. */
  private String firstVisible() {
    return (String) js("""
        const vp = document.querySelector('#logs .viewport');
        const top = vp.getBoundingClientRect().top;
        const row = [...vp.querySelectorAll('.row:not([hidden])')]
          .find(r => r.getBoundingClientRect().top >= top - r.offsetHeight / 2);
        return row ? row.querySelector('.msg').textContent : null;""");
  }

  private void scrollLog(String view, int top) {
    js("document.querySelector(arguments[0] + ' .viewport').scrollTop = arguments[1]", view, top);
  }

  @SuppressWarnings("unchecked")
  private List<Row> rows(String view) {
    List<Map<String, String>> raw = (List<Map<String, String>>) js("""
        return [...document.querySelectorAll(arguments[0] + ' .row:not([hidden])')]
          .filter(r => !r.classList.contains('notice'))
          .map(r => ({kind: r.dataset.kind, level: r.dataset.level || '', request: r.dataset.request || '',
            subject: r.querySelector('.subj').textContent,
            time: r.querySelector('.ts').textContent, timestamp: r.querySelector('.ts').title,
            message: r.querySelector('.msg').textContent,
            fields: r.querySelector('.fields').textContent}));""", view);
    return raw.stream().map(m -> new Row(m.get("kind"), m.get("level"), m.get("request"), m.get("subject"),
        m.get("time"), m.get("timestamp"), m.get("message"), m.get("fields"))).toList();
  }

  /** The messages of the rows that are log lines (not a request's start and end). */
  private List<String> messages(String view) {
    return rows(view).stream().filter(r -> r.kind().equals("line")).map(Row::message).toList();
  }

  @SuppressWarnings("unchecked")
  private List<String> callerMessages() {
    return (List<String>) js("return [...document.querySelectorAll('#caller-logs .caller-log "
        + ".msg')].map(m => m.textContent)");
  }

  private String view() {
    return attribute("body", "data-view");
  }

  private String text(String css) {
    return driver.findElement(By.cssSelector(css)).getText();
  }

  private String attribute(String css, String name) {
    return driver.findElement(By.cssSelector(css)).getDomAttribute(name);
  }

  private Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  private static Path downloaded() throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.filter(f -> f.toString().endsWith(".ndjson")).findFirst().orElse(null);
    }
  }
}
