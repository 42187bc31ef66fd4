package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.SluiceBroker;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The windows the broker grants its clients, read off the wire: a client speaks HTTP/2's
 * preface on a plain socket and reads the broker's first frames (its SETTINGS and the window
 * update that opens the connection's window), as a runner's transport sees them.
 */
class FlowControlWindowsTest {
  private static final int SETTINGS = 0x4;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int INITIAL_WINDOW_SIZE = 0x4;
  private static final int HTTP2_DEFAULT_WINDOW = 65_535;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void streamsAndTheConnectionOpenWithWindowsWiderThanHttp2sDefault() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", sluice.broker().grpcPort()), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, SETTINGS, 0, 0, 0, 0, 0}); // empty SETTINGS
      out.flush();

      DataInputStream in = new DataInputStream(socket.getInputStream());
      int streamWindow = -1;
      long connectionIncrement = -1;
      // The broker's first frames: SETTINGS, the connection's WINDOW_UPDATE, the ack of ours.
      for (int frames = 0; frames < 8 && (streamWindow < 0 || connectionIncrement < 0); frames++) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (type == SETTINGS && (flags & 1) == 0) {
          for (int at = 0; at + 6 <= length; at += 6) {
            int id = (payload[at] & 0xff) << 8 | payload[at + 1] & 0xff;
            if (id == INITIAL_WINDOW_SIZE) {
              streamWindow = java.nio.ByteBuffer.wrap(payload, at + 2, 4).getInt();
            }
          }
        } else if (type == WINDOW_UPDATE && stream == 0) {
          connectionIncrement = java.nio.ByteBuffer.wrap(payload).getInt() & 0x7fffffff;
        }
      }

      assertThat(streamWindow).isEqualTo(GrpcFrontend.STREAM_WINDOW_BYTES)
          .isGreaterThan(HTTP2_DEFAULT_WINDOW);
      assertThat(HTTP2_DEFAULT_WINDOW + connectionIncrement)
          .isEqualTo(GrpcFrontend.CONNECTION_WINDOW_BYTES);
    }
  }
}
