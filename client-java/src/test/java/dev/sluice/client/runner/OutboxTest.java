package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.RequestStart;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {
  private static byte[] line(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> lines(Frames.Out frame) {
    List<String> out = new ArrayList<>();
    for (byte[] l : frame.lines()) {
      out.add(new String(l, StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void framesEndAtEventsAndLimitsAndAcksReleaseWholeAndPartFrames() {
    Outbox box = new Outbox(100);
    for (int i = 1; i <= 5; i++) {
      box.addLine(line("l" + i), 0);
    }
    box.addEvent(seq -> IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setSeq(seq).setRequestId("q")).build(), 0);
    box.addLine(line("l7"), 0);

    Frames.Out first = box.nextFrame(3, 1 << 20);
    assertThat(first.firstSeq()).isEqualTo(1);
    assertThat(lines(first)).containsExactly("l1", "l2", "l3");
    Frames.Out second = box.nextFrame(10, 1 << 20);
    assertThat(lines(second)).containsExactly("l4", "l5"); // ends before the event
    Frames.Out event = box.nextFrame(10, 1 << 20);
    assertThat(event.frame().getRequestStart().getSeq()).isEqualTo(6);
    assertThat(box.framesInFlight()).isEqualTo(3);
    assertThat(box.heldCount()).isEqualTo(7);

    box.ack(4); // the first frame and part of the second
    assertThat(box.framesInFlight()).isEqualTo(2);
    assertThat(box.heldCount()).isEqualTo(3);
    assertThat(box.holdsUpTo(4)).isFalse();
    assertThat(box.holdsUpTo(5)).isTrue();

    // The stream broke: what is in flight goes back ahead of the rest, in order.
    box.requeueInflight();
    assertThat(box.framesInFlight()).isZero();
    assertThat(box.heldCount()).isEqualTo(3);
    assertThat(lines(box.nextFrame(10, 1 << 20))).containsExactly("l5");
    assertThat(box.nextFrame(10, 1 << 20).frame().hasRequestStart()).isTrue();
    assertThat(lines(box.nextFrame(10, 1 << 20))).containsExactly("l7");
    box.ack(7);
    assertThat(box.isEmpty()).isTrue();
  }

  @Test
  void aFullOutboxDropsTheOldestUnsentLineNeverWhatIsInFlight() {
    Outbox box = new Outbox(3);
    box.addLine(line("a"), 0);
    box.addLine(line("b"), 0);
    box.nextFrame(10, 1 << 20); // a and b in flight
    box.addLine(line("c"), 0);
    box.addLine(line("d"), 0); // full: c is dropped
    assertThat(box.dropped()).isEqualTo(1);
    assertThat(lines(box.nextFrame(10, 1 << 20))).containsExactly("d");
    assertThat(box.heldCount()).isEqualTo(3);
  }
}
