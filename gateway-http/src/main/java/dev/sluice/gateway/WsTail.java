package dev.sluice.gateway;

import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live tail over a WebSocket ({@code GET /v1/tail/ws}). The client sends
 * {@code {"op":"subscribe", ...the SSE tail's parameters...}} (again to change the filter: the
 * old tail ends, the new one begins), {@code {"op":"pause"}} and {@code {"op":"resume"}}. The
 * server sends {@code {"type":"record","record":{...}}}, {@code {"type":"notice",...}},
 * {@code subscribed}, {@code paused}, {@code resumed}, {@code ended} and
 * {@code {"type":"error","problem":{...}}}; an error ends the tail, not the socket.
 *
 * <p>While paused, or while the socket's write queue is full, the next broker message is not
 * asked for: the broker holds back (its overflow policy applies), so pausing loses nothing
 * under CATCH_UP and costs the gateway at most what was already in flight.
 */
final class WsTail {
  private static final Logger LOG = LoggerFactory.getLogger(WsTail.class);
  private final ServerWebSocket socket;
  private final Context context;
  private final BrokerLink broker;
  private final String token;
  private Listener current;
  private boolean paused;
  private boolean closed;

  WsTail(ServerWebSocket socket, Context context, BrokerLink broker, String token) {
    this.socket = socket;
    this.context = context;
    this.broker = broker;
    this.token = token;
  }

  void start() {
    socket.textMessageHandler(this::command);
    socket.binaryMessageHandler(b -> problem(Problem.badParam("op",
        "binary messages are not understood (expected: JSON text)")));
    socket.closeHandler(v -> {
      closed = true;
      stop();
    });
    socket.drainHandler(v -> {
      socket.resume(); // commands are read again (see send)
      if (current != null && !paused) {
        current.more();
      }
    });
  }

  private void command(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      problem(Problem.badParam("op", "not a JSON object (expected: {\"op\":\"subscribe\", ...})"));
      return;
    }
    String op = String.valueOf(message.getValue("op"));
    switch (op) {
      case "subscribe" -> subscribe(message);
      case "pause" -> {
        paused = true;
        send(new JsonObject().put("type", "paused"));
      }
      case "resume" -> {
        paused = false;
        send(new JsonObject().put("type", "resumed"));
        if (current != null) {
          current.more();
        }
      }
      default -> problem(Problem.badParam("op", "'" + Params.clip(op)
          + "' (expected: subscribe, pause or resume)"));
    }
  }

  private void subscribe(JsonObject message) {
    TailRequest request;
    try {
      MultiMap params = MultiMap.caseInsensitiveMultiMap();
      for (Map.Entry<String, Object> field : message) {
        if (!field.getKey().equals("op") && field.getValue() != null) {
          params.add(field.getKey(), String.valueOf(field.getValue()));
        }
      }
      request = TailStart.request(new Params(params, TailStart.PARAMS), null);
    } catch (Problem.ProblemException e) {
      problem(e.problem());
      return;
    }
    stop();
    current = new Listener(broker.tail(token));
    current.start(request);
  }

  private void stop() {
    if (current != null) {
      current.cancel();
      current = null;
    }
  }

  private void problem(Problem problem) {
    send(new JsonObject().put("type", "error").put("problem", problem.json()));
  }

  private void send(JsonObject message) {
    send(message.encode());
  }

  private void send(String text) {
    if (!closed) {
      socket.writeTextMessage(text);
      if (socket.writeQueueFull()) {
        // A client that sends commands and reads no answers: stop reading its commands until
        // it takes what it was sent, so the answers cannot pile up here.
        socket.pause();
      }
    }
  }

  /** One broker tail; replaced by the next subscribe. */
  private final class Listener extends ClientCall.Listener<TailMessage> {
    private final BrokerLink.Lease lease;
    private ClientCall<TailRequest, TailMessage> call;
    private boolean owed; // a message is due once the client may take it
    private boolean done;
    private boolean told;

    Listener(BrokerLink.Lease lease) {
      this.lease = lease;
    }

    void start(TailRequest request) {
      call = lease.newTail();
      call.start(this, new Metadata());
      call.sendMessage(request);
      call.halfClose();
      owed = true;
      more(); // not while paused: a subscribe does not resume
    }

    void cancel() {
      if (!done) {
        done = true;
        lease.cancel(call, "the WebSocket client changed its tail or left");
      }
    }

    void more() {
      if (owed && !done && !paused && !socket.writeQueueFull()) {
        owed = false;
        call.request(1);
      }
    }

    @Override
    public void onHeaders(Metadata headers) {
      if (!headers.containsKey(BrokerLink.TAIL_OPEN)) {
        return; // a refusal's headers: its status follows
      }
      context.runOnContext(v -> subscribed());
    }

    /** Tells the client once that its tail is open. */
    private void subscribed() {
      if (current == this && !told) {
        told = true;
        send(new JsonObject().put("type", "subscribed"));
      }
    }

    @Override
    public void onMessage(TailMessage message) {
      context.runOnContext(v -> {
        if (current != this || closed) {
          return;
        }
        subscribed();
        try {
          for (Notice n : message.notices()) {
            socket.writeTextMessage(notice(n));
          }
          WireJson records = WireJson.local();
          for (int i = 0, n = message.records(); i < n; i++) {
            socket.writeTextMessage(record(records, message, i));
          }
        } catch (RuntimeException e) {
          // Never go silent: the tail ends with a problem, the socket stays usable.
          LOG.error("a tail message could not be written to a WebSocket", e);
          cancel();
          current = null;
          problem(new Problem(502, "Broker error", "a message from the broker could not be "
              + "written; see the gateway log", null, 0));
          return;
        }
        owed = true;
        more();
      });
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      context.runOnContext(v -> {
        if (current != this) {
          return;
        }
        done = true;
        lease.close();
        current = null;
        if (status.isOk()) {
          send(new JsonObject().put("type", "ended"));
        } else {
          problem(Problem.of(status.asRuntimeException()));
        }
      });
    }
  }

  private static String notice(Notice notice) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (var json = RecordJson.generator(out)) {
      json.writeStartObject();
      json.writeStringField("type", "notice");
      json.writeFieldName("notice");
      RecordJson.write(json, notice);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String record(WireJson records, TailMessage message, int i) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (var json = RecordJson.generator(out)) {
      String cursor = records.read(message.bytes(), message.recordOffset(i), message.recordLength(i));
      json.writeStartObject();
      json.writeStringField("type", "record");
      json.writeFieldName("record");
      records.write(json, cursor);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
