package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which request an unscoped line belongs to. */
class OpenRequestsTest {
  private final OpenRequests open = new OpenRequests();

  @Test
  void anUnscopedLineBelongsToTheOnlyOpenRequest() {
    assertThat(open.only()).isEmpty();
    open.add("req-1");
    assertThat(open.only()).isEqualTo("req-1");
  }

  @Test
  void withSeveralOpenRequestsAnUnscopedLineBelongsToNone() {
    open.add("req-1");
    open.add("req-2");
    assertThat(open.only()).isEmpty();

    open.remove("req-1");
    assertThat(open.only()).isEqualTo("req-2");
  }
}
