package dev.sluice.bench.load;

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
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * A client that misbehaves on purpose, on one HTTP/2 connection: tails it never reads (it
 * announces a 64 KiB window and never reopens it), floods of PINGs, streams reset as soon as
 * they open. What an attacker does in the isolation scenarios ({@link Attacks}).
 */
final class Abuser implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      NioIoHandler.newFactory());
  private final Frames frames = new Frames();
  private final Channel channel;

  /** Drops everything it reads; as a duplex handler it makes the streams it opens. */
  private static final class Frames extends Http2ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  Abuser(int port) throws InterruptedException {
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(65_535))
                .build(), frames);
          }
        }).connect("127.0.0.1", port).sync().channel();
  }

  boolean isOpen() {
    return channel.isActive();
  }

  /** Opens {@code count} tails of {@code filter} with {@code authorization}, never to read them. */
  void openTails(int count, String filter, String authorization) throws InterruptedException {
    channel.eventLoop().submit(() -> {
      for (int i = 0; i < count; i++) {
        writeTail(filter, authorization);
      }
      channel.flush();
    }).sync();
  }

  /** Sends {@code count} PINGs in one write. */
  void pings(int count) throws InterruptedException {
    channel.eventLoop().submit(() -> {
      for (int i = 0; i < count; i++) {
        channel.write(new DefaultHttp2PingFrame(i));
      }
      channel.flush();
    }).sync();
  }

  /** Opens {@code count} tails and resets each at once, in one write. */
  void openAndReset(int count, String filter, String authorization)
      throws InterruptedException {
    channel.eventLoop().submit(() -> {
      for (int i = 0; i < count; i++) {
        Http2FrameStream stream = writeTail(filter, authorization);
        channel.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
      }
      channel.flush();
    }).sync();
  }

  private Http2FrameStream writeTail(String filter, String authorization) {
    Http2FrameStream stream = frames.newStream();
    byte[] request = TailRequest.newBuilder().setFilter(filter).build().toByteArray();
    ByteBuf body = Unpooled.buffer(5 + request.length).writeByte(0).writeInt(request.length)
        .writeBytes(request);
    channel.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST")
        .scheme("http").path("/sluice.v1.Logs/Tail").authority("127.0.0.1")
        .add("content-type", "application/grpc").add("te", "trailers")
        .add("authorization", authorization)).stream(stream));
    channel.write(new DefaultHttp2DataFrame(body, true).stream(stream));
    return stream;
  }

  @Override
  public void close() throws InterruptedException {
    channel.close().await(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }
}
