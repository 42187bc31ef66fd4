package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A system under test: a server in its own process, with runners that publish to it and
 * subscribers that receive from it, all in the harness's JVM. One target serves one row.
 */
interface Target extends AutoCloseable {

  /** Publishes one runner's lines. */
  interface Publisher extends AutoCloseable {
    /** Sends one line to {@code request} of this runner's requests; never blocks for long. */
    void send(int request, long stamp);

    /** Lines the client refused or lost (a full buffer, a failed publish ack). */
    long failures();

    @Override
    void close();
  }

  String system();

  /** The server whose heap and RSS a row reports (the one the subscribers talk to). */
  ServerProcess server();

  /**
   * Every server process of the system, the first being the one that stores: their CPU time
   * is the row's server CPU (the gateway's rows have a broker and a gateway in front of it).
   */
  default java.util.List<ServerProcess> servers() {
    return java.util.List.of(server());
  }

  /** True when the server is a JVM (heap is reported). */
  boolean jvm();

  Publisher publisher(int runner, Workload workload);

  /** Subscribes {@code filter} (Sluice syntax, without the account) and feeds {@code tap}. */
  void subscribe(String filter, Tap tap);

  @Override
  void close();

  /** Deletes a server's data directory once it stopped; a failure is only printed. */
  static void deleteDirectory(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
