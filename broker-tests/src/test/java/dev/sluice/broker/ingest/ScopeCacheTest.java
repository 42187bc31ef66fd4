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

  @Test
  void anIdThatIsTheEndOfAnotherRequestsSubjectIsNotThatRequest() {
    ScopeCache cache = new ScopeCache();
    cache.put(1, 4, scope("q1")); // subject app.r1.q1
    // "r1.q1" and "1" end the subject too, and are not its request.
    assertThat(cache.get(1, framed("r1.q1"), 2, 5)).isNull();
    assertThat(cache.get(1, framed("1"), 2, 1)).isNull();
    assertThat(cache.get(1, framed("q1"), 2, 2)).extracting(RequestScope::requestId)
        .isEqualTo("q1");
  }

  @Test
  void findsIdsByTheirUtf8Bytes() {
    ScopeCache cache = new ScopeCache();
    cache.put(1, 4, scope("zürich-é"));
    byte[] id = "zürich-é".getBytes(StandardCharsets.UTF_8);
    byte[] frame = framed("zürich-é");
    assertThat(cache.get(1, frame, 2, id.length)).extracting(RequestScope::requestId)
        .isEqualTo("zürich-é");
    assertThat(cache.get(1, frame, 2, id.length - 1)).isNull();
  }

  @Test
  void aScopeWhoseSubjectDoesNotEndWithItsIdIsNotCached() {
    ScopeCache cache = new ScopeCache();
    cache.put(1, 4, RequestScope.of("q1", "app.r1.other", Labels.getDefaultInstance()));
    assertThat(cache.get(1, framed("q1"), 2, 2)).isNull();
  }
}
