package dev.sluice.bench.load;

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

  ServerProcess server();

  /** True when the server is a JVM (heap is reported). */
  boolean jvm();

  Publisher publisher(int runner, Workload workload);

  /** Subscribes {@code filter} (Sluice syntax, without the account) and feeds {@code tap}. */
  void subscribe(String filter, Tap tap);

  @Override
  void close();
}
