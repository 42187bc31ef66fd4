package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The page's files come from the gateway's jar, without a token, under a strict CSP. */
class StaticPageTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void servesThePageWithoutATokenUnderAContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = gw.get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\"");
    assertThat(page.headers().firstValue("content-security-policy").orElse(""))
        .contains("default-src 'self'").contains("frame-ancestors 'none'");
    assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(gw.get("/app.js", null).statusCode()).isEqualTo(200);
  }
}
