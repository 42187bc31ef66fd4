package dev.sluice.testing;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/** A tail subscriber that collects everything it receives. */
public final class TailCollector implements AutoCloseable {
  private final List<Record> records = new CopyOnWriteArrayList<>();
  private final List<Notice> notices = new CopyOnWriteArrayList<>();
  private final List<Long> noticePlaces = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final Context.CancellableContext context = Context.current().withCancellation();

  private TailCollector() {}

  public static TailCollector tail(Channel channel, String filter) {
    return tail(channel, TailRequest.newBuilder().setFilter(filter).build());
  }

  public static TailCollector tail(Channel channel, TailRequest request) {
    TailCollector c = new TailCollector();
    c.context.run(() -> LogsGrpc.newStub(channel).tail(request, new StreamObserver<>() {
      @Override
      public void onNext(TailResponse response) {
        // A response's notices apply before its records: after the last record received.
        long before = c.records.isEmpty() ? 0 : c.records.get(c.records.size() - 1).getSeq();
        response.getNoticesList().forEach(n -> c.noticePlaces.add(before));
        c.notices.addAll(response.getNoticesList());
        c.records.addAll(response.getRecordsList());
      }

      @Override
      public void onError(Throwable t) {
        c.ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        c.ended.complete(Status.OK);
      }
    }));
    return c;
  }

  public List<Record> records() {
    return records;
  }

  /** Messages of the LINE records, in arrival order. */
  public List<String> lines() {
    return records.stream().filter(r -> r.getKind() == RecordKind.LINE)
        .map(Record::getMessage).collect(Collectors.toList());
  }

  public List<Notice> notices() {
    return notices;
  }

  /** For each notice, in order, the sequence of the last record received before it (0: none). */
  public List<Long> noticePlaces() {
    return noticePlaces;
  }

  public void awaitRecords(int n) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> records.size() >= n || ended.isDone());
  }

  public Status awaitEnd() throws Exception {
    return ended.get(20, TimeUnit.SECONDS);
  }

  public boolean isEnded() {
    return ended.isDone();
  }

  @Override
  public void close() {
    context.cancel(null);
  }
}
