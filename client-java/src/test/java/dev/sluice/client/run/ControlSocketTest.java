package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** SLUICE_CONTROL's socket: private, one answer per line, bounded lines. */
class ControlSocketTest {
  @Test
  void answersEachLineRefusesOverlongOnesAndIsPrivate() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (ControlSocket socket = ControlSocket.open(line -> {
      seen.add(line);
      return "ok";
    })) {
      assertThat(PosixFilePermissions.toString(
          Files.getPosixFilePermissions(socket.path().getParent()))).isEqualTo("rwx------");
      try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        client.connect(UnixDomainSocketAddress.of(socket.path()));
        var out = Channels.newOutputStream(client);
        var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
            StandardCharsets.UTF_8));
        out.write(("start req-1\n" + "x".repeat(ControlSocket.MAX_LINE + 10) + "\nend req-1\n")
            .getBytes(StandardCharsets.UTF_8));
        out.flush();
        assertThat(in.readLine()).isEqualTo("ok");
        assertThat(in.readLine()).isEqualTo("error: line longer than "
            + ControlSocket.MAX_LINE + " characters");
        assertThat(in.readLine()).isEqualTo("ok");
      }
      assertThat(seen).containsExactly("start req-1", "end req-1");
    }
  }
}
