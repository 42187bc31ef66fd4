package dev.sluice.broker.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Each account's last assigned sequence and how far retention deleted, kept beside the
 * segments. Once retention deletes an account's every segment, recovery could not otherwise
 * know where its sequence numbers stood, and would hand out old cursors' numbers again.
 * Replaced whole by {@link AtomicFile}.
 */
final class SequenceCheckpoint {
  private static final int VERSION = 1;
  private final Path file;

  SequenceCheckpoint(Path file) {
    this.file = file;
  }

  /** Account -> {last assigned, purged through}; empty if there is no checkpoint yet. */
  Map<String, long[]> load() throws IOException {
    Map<String, long[]> out = new HashMap<>();
    try (InputStream in = Files.newInputStream(file);
        DataInputStream data = new DataInputStream(in)) {
      if (data.readInt() != VERSION) {
        throw new IOException(file + ": unknown checkpoint version");
      }
      int n = data.readInt();
      for (int i = 0; i < n; i++) {
        out.put(data.readUTF(), new long[] {data.readLong(), data.readLong()});
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (EOFException e) {
      throw new IOException(file + ": checkpoint is truncated", e);
    }
    return out;
  }

  void save(Map<String, long[]> sequences) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(bytes)) {
      data.writeInt(VERSION);
      data.writeInt(sequences.size());
      for (Map.Entry<String, long[]> e : sequences.entrySet()) {
        data.writeUTF(e.getKey());
        data.writeLong(e.getValue()[0]);
        data.writeLong(e.getValue()[1]);
      }
    }
    AtomicFile.write(file, bytes.toByteArray(), false);
  }
}
