package dev.sluice.client.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * {@code SLUICE_CONTROL}: a Unix socket in a directory only this user can enter, where the child
 * says that a request started or ended. One command per line, one answer per command
 * ({@code ok}, or {@code error: why}):
 *
 * <pre>
 * start REQUEST_ID [ENDPOINT [CALLER]]
 * end REQUEST_ID [ok | error [MESSAGE...]]
 * </pre>
 *
 * <p>From a shell: {@code echo "start req-1 /predict" | nc -U "$SLUICE_CONTROL"}; from Python:
 * {@code socket.socket(socket.AF_UNIX)}. At most {@value #CONNECTIONS} connections at once;
 * a line is at most {@value #MAX_LINE} characters.
 */
final class ControlSocket implements AutoCloseable {
  static final int CONNECTIONS = 16;
  static final int MAX_LINE = 4096;

  private final Path dir;
  private final Path path;
  private final ServerSocketChannel server;
  private final Function<String, String> commands;
  private final Semaphore open = new Semaphore(CONNECTIONS);
  private final Thread acceptor;
  private volatile boolean closed;

  private ControlSocket(Path dir, ServerSocketChannel server, Function<String, String> commands) {
    this.dir = dir;
    this.path = dir.resolve("control.sock");
    this.server = server;
    this.commands = commands;
    this.acceptor = new Thread(this::accept, "sluice-run-control");
    this.acceptor.setDaemon(true);
  }

  /** Listens in a new private directory; {@code commands} answers each line. */
  static ControlSocket open(Function<String, String> commands) throws IOException {
    Path dir = Files.createTempDirectory("sluice-run-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ControlSocket socket = new ControlSocket(dir, server, commands);
    try {
      server.bind(UnixDomainSocketAddress.of(socket.path));
    } catch (IOException | RuntimeException e) {
      socket.close(); // no channel or directory left behind
      throw new IOException("cannot listen on " + socket.path + ": " + e.getMessage(), e);
    }
    socket.acceptor.start();
    return socket;
  }

  /** The socket's path, the value of {@code SLUICE_CONTROL}. */
  Path path() {
    return path;
  }

  private void accept() {
    while (!closed) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!open.tryAcquire()) {
        answerAndClose(client, "error: too many control connections (at most " + CONNECTIONS
            + ")");
        continue;
      }
      Thread t = new Thread(() -> serve(client), "sluice-run-control-client");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(SocketChannel client) {
    try (client;
        BufferedReader in = new BufferedReader(new InputStreamReader(
            Channels.newInputStream(client), StandardCharsets.UTF_8));
        OutputStream out = Channels.newOutputStream(client)) {
      StringBuilder line = new StringBuilder();
      boolean tooLong = false;
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          String answer = tooLong ? "error: line longer than " + MAX_LINE + " characters"
              : commands.apply(line.toString().strip());
          out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          line.setLength(0);
          tooLong = false;
        } else if (line.length() < MAX_LINE) {
          line.append((char) c);
        } else {
          tooLong = true; // refused whole, never run cut short
        }
      }
      if (!tooLong && !line.toString().isBlank()) {
        out.write((commands.apply(line.toString().strip()) + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // The child hung up; its commands so far were applied.
    } finally {
      open.release();
    }
  }

  private static void answerAndClose(SocketChannel client, String answer) {
    try (client) {
      Channels.newOutputStream(client).write((answer + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // gone already
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    Files.deleteIfExists(path);
    Files.deleteIfExists(dir);
  }
}
