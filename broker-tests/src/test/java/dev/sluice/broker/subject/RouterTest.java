package dev.sluice.broker.subject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.subject.Router.Registration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The router keeps accounts apart, notices every subscribe and unsubscribe despite its match
 * cache, fans out each item once per value in order, and leaves no trie behind after churn.
 */
class RouterTest {
  private static final int CACHE = 1_024;

  private record Item(String subject, int n) {}

  private final Router<String> router = new Router<>(CACHE);

  private static SubjectFilter f(String filter) {
    return SubjectFilter.parse(filter);
  }

  @Test
  void valuesOfOneAccountNeverMatchAnotherAccountsSubjects() {
    router.add("acct-a", f(">"), "a-everything");
    router.add("acct-a", f("app.r.q"), "a-literal");
    router.add("acct-b", f("app.*.*"), "b-app");

    assertThat(router.match("acct-a", "app.r.q")).containsExactlyInAnyOrder("a-everything", "a-literal");
    assertThat(router.match("acct-b", "app.r.q")).containsExactly("b-app");
    assertThat(router.match("acct-b", "other.r.q")).isEmpty();
    assertThat(router.match("acct-c", "app.r.q")).isEmpty();
  }

  @Test
  void publishNeverDeliversToAnotherAccount() {
    router.add("acct-b", f(">"), "b-everything");
    Map<String, List<Item>> got = publish("acct-a", List.of(new Item("app.r.q", 1)));
    assertThat(got).isEmpty();
  }

  @Test
  void matchSeesFilterAddedAfterTheSubjectWasCached() {
    router.add("acct", f("app.>"), "first");
    assertThat(router.match("acct", "app.r.q")).containsExactly("first");

    router.add("acct", f("*.r.*"), "second");
    assertThat(router.match("acct", "app.r.q")).containsExactlyInAnyOrder("first", "second");
  }

  @Test
  void matchesStayRightWhileTheFrontOfTheCacheIsOnAndAfterManySubjectsTurnItOff() {
    Router<String> big = new Router<>(200_000);
    big.add("acct", f("app.>"), "all");
    for (int round = 0; round < 2; round++) {
      // 40,000 distinct subjects: more than the front keeps, so it turns off part way.
      for (int i = 0; i < 40_000; i++) {
        assertThat(big.match("acct", "app.r" + (i % 16) + ".q" + i)).containsExactly("all");
      }
      Registration one = big.add("acct", f("app.r3.*"), "r3");
      assertThat(big.match("acct", "app.r3.q3")).containsExactlyInAnyOrder("all", "r3");
      assertThat(big.match("acct", "app.r4.q4")).containsExactly("all");
      one.close();
      assertThat(big.match("acct", "app.r3.q3")).containsExactly("all");
    }
  }

  @Test
  void matchForgetsClosedRegistrationAndCloseIsIdempotent() {
    router.add("acct", f("app.>"), "stays");
    Registration goes = router.add("acct", f("app.r.q"), "goes");
    assertThat(router.match("acct", "app.r.q")).containsExactlyInAnyOrder("stays", "goes");

    goes.close();
    assertThat(router.match("acct", "app.r.q")).containsExactly("stays");
    assertThat(router.size("acct")).isEqualTo(1);

    goes.close();
    assertThat(router.match("acct", "app.r.q")).containsExactly("stays");
    assertThat(router.size("acct")).isEqualTo(1);
  }

  @Test
  void secondCloseDoesNotRemoveALaterRegistrationOfTheSameFilterAndValue() {
    Registration first = router.add("acct", f("app.r.q"), "v");
    first.close();
    router.add("acct", f("app.r.q"), "v");
    first.close();
    assertThat(router.match("acct", "app.r.q")).containsExactly("v");
    assertThat(router.size("acct")).isEqualTo(1);
  }

  @Test
  void publishGroupsItemsPerValuePreservingOrder() {
    router.add("acct", f("app.>"), "app");
    router.add("acct", f("*.r1.*"), "r1");
    router.add("acct", f("other.r1.q"), "other");
    List<Item> items = List.of(
        new Item("app.r1.q", 1), new Item("app.r1.q", 2), new Item("app.r2.q", 3),
        new Item("other.r1.q", 4), new Item("app.r1.q", 5), new Item("none.r9.q", 6));

    Map<String, List<Item>> got = publish("acct", items);

    assertThat(got).containsOnlyKeys("app", "r1", "other");
    assertThat(numbers(got.get("app"))).containsExactly(1, 2, 3, 5);
    assertThat(numbers(got.get("r1"))).containsExactly(1, 2, 4, 5);
    assertThat(numbers(got.get("other"))).containsExactly(4);
  }

  private record MemoItem(String subject, int n, Router.Memo memo) {}

  private Map<String, List<Integer>> publishMemo(String account, List<MemoItem> items) {
    Map<String, List<Integer>> got = new LinkedHashMap<>();
    router.publish(account, items, MemoItem::subject, i -> items.get(i).memo(), (value, batch) ->
        batch.forEach(i -> got.computeIfAbsent(value, v -> new ArrayList<>()).add(i.n())));
    return got;
  }

  @Test
  void itemsWithMemosReachTheSameValuesAndSeeEverySubscribeAndUnsubscribe() {
    String q1 = "app.r1.q1";
    String q2 = "app.r2.q2";
    Router.Memo m1 = new Router.Memo("acct", q1);
    Router.Memo m2 = new Router.Memo("acct", q2);
    List<MemoItem> items = List.of(new MemoItem(q1, 1, m1), new MemoItem(q2, 2, m2),
        new MemoItem(q1, 3, m1), new MemoItem(q1, 4, m1));
    router.add("acct", f("app.>"), "app");

    assertThat(publishMemo("acct", items)).containsExactly(
        Map.entry("app", List.of(1, 2, 3, 4)));
    assertThat(publishMemo("acct", items)).as("memos remembered").containsExactly(
        Map.entry("app", List.of(1, 2, 3, 4)));

    Registration r1 = router.add("acct", f("*.r1.*"), "r1"); // a wildcard-first filter
    Registration q2only = router.add("acct", f("app.r2.q2"), "q2"); // an app's own filter
    assertThat(publishMemo("acct", items)).containsOnlyKeys("app", "r1", "q2")
        .containsEntry("r1", List.of(1, 3, 4)).containsEntry("q2", List.of(2));

    r1.close();
    q2only.close();
    assertThat(publishMemo("acct", items)).containsExactly(
        Map.entry("app", List.of(1, 2, 3, 4)));
    assertThat(publishMemo("other-acct", items)).as("another account's memos").isEmpty();
  }

  @Test
  void subjectsWithTheSameSubscribersShareOneMatchUntilTheNextChange() {
    router.add("acct", f("app.>"), "app");
    List<String> first = router.match("acct", "app.r1.q1");
    assertThat(first).containsExactly("app");
    assertThat(router.match("acct", "app.r2.q2")).as("one list for the same subscribers")
        .isSameAs(first);

    Registration q2 = router.add("acct", f("app.r2.q2"), "q2");
    assertThat(router.match("acct", "app.r2.q2")).containsExactly("app", "q2");
    assertThat(router.match("acct", "app.r1.q1")).containsExactly("app").isNotSameAs(first);
    q2.close();
    assertThat(router.match("acct", "app.r2.q2")).containsExactly("app");

    // Subscribers are told apart by identity: equal values are not merged into one match.
    String a = new String("same");
    String b = new String("same");
    router.add("acct", f("other.a.*"), a);
    router.add("acct", f("other.b.*"), b);
    assertThat(router.match("acct", "other.a.q").get(0)).isSameAs(a);
    assertThat(router.match("acct", "other.b.q").get(0)).isSameAs(b);
  }

  @Test
  void aMemoAnswersOnlyForTheSubjectAndAccountItWasMadeFor() {
    router.add("acct", f("app.r1.*"), "r1");
    router.add("acct2", f(">"), "acct2");
    Router.Memo memo = new Router.Memo("acct", "app.r1.q1");
    publishMemo("acct", List.of(new MemoItem("app.r1.q1", 1, memo))); // now it holds r1

    // The same memo on an item of another subject, or published in another account.
    assertThat(publishMemo("acct", List.of(new MemoItem("app.r9.q9", 2, memo)))).isEmpty();
    assertThat(publishMemo("acct2", List.of(new MemoItem("app.r1.q1", 3, memo))))
        .containsExactly(Map.entry("acct2", List.of(3)));
    // An equal subject that is another instance is looked up, not taken from the memo.
    assertThat(publishMemo("acct", List.of(new MemoItem(new String("app.r1.q1"), 4, memo))))
        .containsExactly(Map.entry("r1", List.of(4)));
  }

  @Test
  void publishCallsEachValueOnce() {
    router.add("acct", f("app.>"), "app");
    List<String> calls = new ArrayList<>();
    router.publish("acct", List.of(new Item("app.r.q", 1), new Item("app.s.q", 2)),
        Item::subject, (value, batch) -> calls.add(value));
    assertThat(calls).containsExactly("app");
  }

  @Test
  void publishToManyValuesGivesEachItsItemsInOrderInOneCall() {
    // More values than the router keeps in its short list: the rest go through a map.
    for (int i = 0; i < 20; i++) {
      router.add("acct", f(i % 2 == 0 ? "app.>" : "app.r" + (i % 3) + ".*"), "v" + i);
    }
    List<Item> items = new ArrayList<>();
    for (int n = 0; n < 30; n++) {
      items.add(new Item("app.r" + (n % 3) + ".q" + n, n));
    }
    List<String> calls = new ArrayList<>();
    Map<String, List<Item>> got = new LinkedHashMap<>();
    router.publish("acct", items, Item::subject, (value, batch) -> {
      calls.add(value);
      got.put(value, batch);
    });

    assertThat(calls).hasSize(20).doesNotHaveDuplicates();
    for (int i = 0; i < 20; i++) {
      int v = i;
      List<Integer> expected = items.stream()
          .filter(item -> v % 2 == 0 || item.subject().startsWith("app.r" + (v % 3) + "."))
          .map(Item::n).toList();
      assertThat(numbers(got.get("v" + i))).as("v" + i).isEqualTo(expected);
    }
  }

  @Test
  void manyValuesOfOneMatchShareOneListWithTheirItemsInOrderInOneCallEach() {
    // Thousands of tails of one account on '>': one match for every subject, so one list,
    // not one per value and item.
    for (int i = 0; i < 20; i++) {
      router.add("acct", f("app.>"), "v" + i);
    }
    List<Item> items = new ArrayList<>();
    for (int n = 0; n < 30; n++) {
      items.add(new Item("app.r" + (n % 3) + ".q" + n, n));
    }
    items.add(new Item("other.r.q", 99)); // matched by none: not in the list
    List<String> calls = new ArrayList<>();
    java.util.Set<List<Item>> lists = java.util.Collections.newSetFromMap(
        new java.util.IdentityHashMap<>());
    router.publish("acct", items, Item::subject, (value, batch) -> {
      calls.add(value);
      lists.add(batch);
      assertThat(numbers(batch)).isEqualTo(java.util.stream.IntStream.range(0, 30).boxed()
          .toList());
    });
    assertThat(calls).hasSize(20).doesNotHaveDuplicates();
    assertThat(lists).hasSize(1);
  }

  @Test
  void valueMatchedByOverlappingFiltersReceivesEachItemOnce() {
    router.add("acct", f("app.>"), "v");
    router.add("acct", f("app.*.q"), "v");
    router.add("acct", f("app.r.q"), "v");
    assertThat(router.size("acct")).isEqualTo(3);
    assertThat(router.match("acct", "app.r.q")).containsExactly("v");

    Map<String, List<Item>> got = publish("acct",
        List.of(new Item("app.r.q", 1), new Item("app.s.q", 2), new Item("app.s.x", 3)));

    assertThat(numbers(got.get("v"))).containsExactly(1, 2, 3);
  }

  @Test
  void addingAndRemovingManyRequestFiltersLeavesNothingBehind() {
    int n = 10_000;
    Registration keep = router.add("acct", f("app.>"), "tail");
    List<Registration> regs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      regs.add(router.add("acct", f("app.*.req-" + i), "request-" + i));
    }
    assertThat(router.size("acct")).isEqualTo(n + 1);
    assertThat(router.match("acct", "app.runner-1.req-42")).containsExactlyInAnyOrder("tail", "request-42");

    regs.forEach(Registration::close);
    assertThat(router.size("acct")).isEqualTo(1);
    assertThat(router.match("acct", "app.runner-1.req-42")).containsExactly("tail");

    keep.close();
    assertThat(router.size("acct")).isZero();
    assertThat(router.match("acct", "app.runner-1.req-42")).isEmpty();
  }

  @Test
  void trieIsPrunedAfterRemovalSoItCanBeRebuilt() {
    // Remove every branch, then add a filter under a pruned path: it must be found again.
    for (int i = 0; i < 100; i++) {
      router.add("acct", f("app-" + i + ".*.>"), "v" + i).close();
    }
    assertThat(router.size("acct")).isZero();
    router.add("acct", f("app-7.*.>"), "again");
    assertThat(router.match("acct", "app-7.r.q")).containsExactly("again");
  }

  private Map<String, List<Item>> publish(String account, List<Item> items) {
    Map<String, List<Item>> got = new LinkedHashMap<>();
    router.publish(account, items, Item::subject, (value, batch) -> {
      assertThat(got).as("one call per value").doesNotContainKey(value);
      got.put(value, List.copyOf(batch));
    });
    return got;
  }

  private static List<Integer> numbers(List<Item> items) {
    return items.stream().map(Item::n).toList();
  }

  @Test
  void wildcardFirstFilterReachesCachedMatchesOfEveryApp() {
    Router<String> router = new Router<>(1_024);
    Router.Registration a = router.add("acct", SubjectFilter.parse("app-a.>"), "tail-a");
    assertThat(router.match("acct", "app-a.r.q")).containsExactly("tail-a");
    assertThat(router.match("acct", "app-b.r.q")).isEmpty(); // cached as empty

    Router.Registration any = router.add("acct", SubjectFilter.parse("*.r.>"), "any-app");
    assertThat(router.match("acct", "app-a.r.q")).containsExactlyInAnyOrder("tail-a", "any-app");
    assertThat(router.match("acct", "app-b.r.q")).containsExactly("any-app");

    any.close();
    assertThat(router.match("acct", "app-b.r.q")).isEmpty();
    a.close();
  }

  @Test
  void appFilterReachesItsOwnAppsCachedMatchesAndLeavesOthersCorrect() {
    Router<String> router = new Router<>(1_024);
    router.add("acct", SubjectFilter.parse(">"), "all");
    assertThat(router.match("acct", "app-a.r.q")).containsExactly("all");
    assertThat(router.match("acct", "app-b.r.q")).containsExactly("all");

    Router.Registration view = router.add("acct", SubjectFilter.parse("app-a.*.q"), "view");
    assertThat(router.match("acct", "app-a.r.q")).containsExactlyInAnyOrder("all", "view");
    assertThat(router.match("acct", "app-b.r.q")).containsExactly("all");

    view.close();
    assertThat(router.match("acct", "app-a.r.q")).containsExactly("all");
  }
}
