package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Labels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScopeCacheTest {
  private static RequestScope scope(String id) {
    return RequestScope.of(id, "app.r1." + id, Labels.newBuilder().setRequestId(id).build());
  }

  /** The id's bytes inside a larger array, as they sit in a frame. */
  private static byte[] framed(String id) {
    return ("xx" + id + "yy").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void findsEveryCachedRequestByItsBytesAndForgetsThemWhenTheOpenRequestsChange() {
    ScopeCache cache = new ScopeCache();
    int open = 6_400;
    for (int i = 0; i < open; i++) {
      cache.put(7, open, scope(String.format("q%04d", i)));
    }
    for (int i = 0; i < open; i++) {
      String id = String.format("q%04d", i);
      assertThat(cache.get(7, framed(id), 2, id.length())).as(id).isNotNull()
          .extracting(RequestScope::requestId).isEqualTo(id);
    }
    assertThat(cache.get(7, framed("q9999"), 2, 5)).isNull();
    assertThat(cache.get(8, framed("q0001"), 2, 5)).isNull(); // a request started or ended

    cache.put(8, 1, scope("q0001"));
    assertThat(cache.get(8, framed("q0002"), 2, 5)).isNull();
    assertThat(cache.get(8, framed("q0001"), 2, 5)).isNotNull();
  }

  @Test
  void moreRequestsThanTheTableHoldsAreLeftToTheSlowWay() {
    ScopeCache cache = new ScopeCache();
    for (int i = 0; i < 100; i++) {
      cache.put(1, 1, scope("r" + i)); // sized for one: it stops at half full
    }
    int found = 0;
    for (int i = 0; i < 100; i++) {
      String id = "r" + i;
      if (cache.get(1, framed(id), 2, id.length()) != null) {
        found++;
      }
    }
    assertThat(found).isBetween(1, 8);
  }
}
