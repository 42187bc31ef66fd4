package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cancel budget lets at most PER_WINDOW cancels through at once and keeps the rest. */
class CancelBudgetTest {
  @Test
  void cancelsOverTheBudgetWaitInOrderAndNoneIsLost() {
    CancelBudget budget = new CancelBudget();
    AtomicInteger done = new AtomicInteger();
    int[] order = new int[300];
    for (int i = 0; i < 300; i++) {
      int n = i;
      budget.cancel(() -> order[done.getAndIncrement()] = n);
    }
    assertThat(done.get()).isEqualTo(CancelBudget.PER_WINDOW);
    assertThat(budget.waiting()).isEqualTo(300 - CancelBudget.PER_WINDOW);
    budget.release(); // still the same window: nothing more may go
    assertThat(done.get()).isEqualTo(CancelBudget.PER_WINDOW);
    for (int i = 0; i < done.get(); i++) {
      assertThat(order[i]).isEqualTo(i);
    }
  }
}
