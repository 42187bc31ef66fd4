package dev.sluice.testing;

import dev.sluice.proto.v1.TailRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/2 client that does what gRPC clients never do, for tests of how the broker holds up:
 * floods of PINGs, streams reset as soon as they open, tails whose data it never acknowledges
 * (it never sends WINDOW_UPDATE, so the broker's flow control stalls). Frames go out as the
 * test says, on 127.0.0.1.
 */
public final class RawHttp2 implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      NioIoHandler.newFactory());
  private final CompletableFuture<Long> goAway = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final AtomicLong pingAcks = new AtomicLong();
  private final AtomicLong dataBytes = new AtomicLong();
  private final AtomicLong dataFrames = new AtomicLong();
  private final AtomicLong pingsSent = new AtomicLong();
  // A client that reads what it gets, and pings after each DATA frame as grpc-go's and .NET's
  // flow-control (BDP) estimators do at most; by default it reads nothing.
  private volatile boolean readAndPing;
  /** A stream's grpc-status once its trailers (or a reset: "RST n") came. */
  private final ConcurrentHashMap<Integer, String> ended = new ConcurrentHashMap<>();
  private Channel channel;
  private Http2FrameCodec codec;
  private final Frames frames = new Frames();

  private RawHttp2() {}

  /** Connects with prior knowledge (h2c), announcing a 64 KiB window it never reopens. */
  public static RawHttp2 connect(int port) throws InterruptedException {
    return connect(port, true);
  }

  /** {@link #connect(int)}; {@code answerPings} false: a peer that is there and answers not. */
  public static RawHttp2 connect(int port, boolean answerPings) throws InterruptedException {
    RawHttp2 client = new RawHttp2();
    client.codec = Http2FrameCodecBuilder.forClient().autoAckPingFrame(answerPings)
        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(65_535)).build();
    client.channel = new Bootstrap().group(client.group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(client.codec, client.frames);
          }
        }).connect("127.0.0.1", port).sync().channel();
    client.channel.closeFuture().addListener(f -> client.closed.complete(null));
    return client;
  }

  /** Reads the frames; as a duplex handler it may also make new streams. */
  private final class Frames extends Http2ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        read((Http2Frame) msg);
      } finally {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    }

    private void read(Http2Frame frame) {
      if (frame instanceof Http2GoAwayFrame g) {
        goAway.complete(g.errorCode());
      } else if (frame instanceof Http2PingFrame p && p.ack()) {
        pingAcks.incrementAndGet();
      } else if (frame instanceof Http2DataFrame d) {
        dataBytes.addAndGet(d.content().readableBytes()); // and never hand the window back
        dataFrames.incrementAndGet();
        if (readAndPing && d.initialFlowControlledBytes() > 0) {
          channel.write(new DefaultHttp2WindowUpdateFrame(d.initialFlowControlledBytes())
              .stream(d.stream()));
          channel.writeAndFlush(new DefaultHttp2PingFrame(pingsSent.incrementAndGet()));
        }
      } else if (frame instanceof Http2HeadersFrame h && h.isEndStream()) {
        CharSequence status = h.headers().get("grpc-status");
        ended.put(h.stream().id(), status == null ? "?" : status.toString());
      } else if (frame instanceof Http2ResetFrame r) {
        ended.put(r.stream().id(), "RST " + r.errorCode());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Sends {@code count} PINGs and flushes them once. */
  public void ping(int count) {
    channel.eventLoop().execute(() -> {
      pingsSent.addAndGet(count);
      for (int i = 0; i < count; i++) {
        channel.write(new DefaultHttp2PingFrame(i));
      }
      channel.flush();
    });
  }

  /**
   * From now on, reads what comes (hands each DATA frame's window back) and sends a PING after
   * each DATA frame, as a client's flow-control estimator may.
   */
  public void readAndPingAfterEachDataFrame() {
    readAndPing = true;
  }

  /** Calls a unary gRPC method with {@code request}; returns the stream. */
  public Http2FrameStream call(String path, com.google.protobuf.MessageLite request,
      String authorization) throws Exception {
    CompletableFuture<Http2FrameStream> opened = new CompletableFuture<>();
    channel.eventLoop().execute(() -> {
      Http2FrameStream stream = write(path, request, authorization);
      channel.flush();
      opened.complete(stream);
    });
    return opened.get(10, TimeUnit.SECONDS);
  }

  /** Opens Logs.Tail for {@code filter}; returns the stream (its id is known once it is sent). */
  public Http2FrameStream openTail(String filter, String authorization) throws Exception {
    CompletableFuture<Http2FrameStream> opened = new CompletableFuture<>();
    channel.eventLoop().execute(() -> {
      Http2FrameStream stream = writeTail(filter, authorization);
      channel.flush();
      opened.complete(stream);
    });
    return opened.get(10, TimeUnit.SECONDS);
  }

  /** Opens {@code count} tails and resets each at once, in one write (rapid reset). */
  public void openAndReset(int count, String filter) {
    channel.eventLoop().execute(() -> {
      for (int i = 0; i < count; i++) {
        Http2FrameStream stream = writeTail(filter, null);
        channel.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
      }
      channel.flush();
    });
  }

  private Http2FrameStream writeTail(String filter, String authorization) {
    return write("/sluice.v1.Logs/Tail", TailRequest.newBuilder().setFilter(filter).build(),
        authorization);
  }

  private Http2FrameStream write(String path, com.google.protobuf.MessageLite message,
      String authorization) {
    Http2FrameStream stream = frames.newStream();
    Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http")
        .path(path).authority("127.0.0.1")
        .add("content-type", "application/grpc").add("te", "trailers");
    if (authorization != null) {
      headers.add("authorization", authorization);
    }
    byte[] request = message.toByteArray();
    ByteBuf body = Unpooled.buffer(5 + request.length).writeByte(0).writeInt(request.length)
        .writeBytes(request);
    channel.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
    channel.write(new DefaultHttp2DataFrame(body, true).stream(stream));
    return stream;
  }

  /** Resets {@code stream} (CANCEL). */
  public void reset(Http2FrameStream stream) {
    channel.eventLoop().execute(() -> channel.writeAndFlush(
        new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream)));
  }

  /** The error code of the GOAWAY the broker sent; completes when one comes. */
  public CompletableFuture<Long> goAway() {
    return goAway;
  }

  /** Completes when the connection closed. */
  public CompletableFuture<Void> closed() {
    return closed;
  }

  public long pingAcks() {
    return pingAcks.get();
  }

  /** PINGs sent (not acknowledgements). */
  public long pingsSent() {
    return pingsSent.get();
  }

  /** DATA frames received on all streams. */
  public long dataFrames() {
    return dataFrames.get();
  }

  /** DATA bytes received on all streams. */
  public long dataBytes() {
    return dataBytes.get();
  }

  /** How stream {@code id} ended: its grpc-status, or "RST code"; null while it is open. */
  public String ended(int id) {
    return ended.get(id);
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public void close() throws InterruptedException {
    channel.close().await(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }
}
