package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a child JVM prints (start it with {@code redirectErrorStream(true)}), read line by line
 * on a daemon thread the whole time, so that a full pipe never stalls the child.
 *
 * <pre>{@code
 * List<String> output = ChildOutput.lines(process);
 * Awaitility.await().until(() -> output.stream().anyMatch(l -> l.startsWith("Sluice is up")));
 * }</pre>
 */
public final class ChildOutput {
  private ChildOutput() {}

  /** A list that grows as {@code process} prints, safe to read from any thread. */
  public static List<String> lines(Process process) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // The process ended.
      }
    }, "child-" + process.pid() + "-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
