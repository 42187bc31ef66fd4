package dev.sluice.broker.plugin.tail;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/**
 * A tail over a raw {@link ClientCall} with manual flow control: it takes only the messages it
 * asked for, so a test can stall it (the broker's transport stops being ready once the HTTP/2
 * window is full) and let it read on later. Keeps every record it received, in order.
 */
final class ManualTail implements AutoCloseable {
  private final List<Record> records = new ArrayList<>(); // guarded by itself
  private final List<Notice> notices = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private ClientCall<TailRequest, TailResponse> call;

  private ManualTail() {}

  /** Opens the tail and asks for {@code initial} messages only. */
  static ManualTail open(Channel channel, TailRequest request, int initial) {
    ManualTail tail = new ManualTail();
    tail.call = channel.newCall(LogsGrpc.getTailMethod(), CallOptions.DEFAULT);
    tail.call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(TailResponse message) {
        tail.notices.addAll(message.getNoticesList());
        synchronized (tail.records) {
          tail.records.addAll(message.getRecordsList());
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        tail.ended.complete(status);
      }
    }, new Metadata());
    tail.call.sendMessage(request);
    tail.call.halfClose();
    tail.call.request(initial);
    return tail;
  }

  /** Asks for {@code n} more messages. */
  void request(int n) {
    call.request(n);
  }

  int size() {
    synchronized (records) {
      return records.size();
    }
  }

  List<Record> records() {
    synchronized (records) {
      return List.copyOf(records);
    }
  }

  List<Notice> notices() {
    return notices;
  }

  long count(NoticeKind kind) {
    return notices.stream().filter(n -> n.getKind() == kind).mapToLong(Notice::getCount).sum();
  }

  boolean isEnded() {
    return ended.isDone();
  }

  /** Waits until at least {@code n} records are in (or the call ended). */
  void awaitRecords(int n, Duration atMost) {
    Awaitility.await().atMost(atMost).until(() -> size() >= n || ended.isDone());
  }

  @Override
  public void close() {
    call.cancel("test done", null);
  }
}
