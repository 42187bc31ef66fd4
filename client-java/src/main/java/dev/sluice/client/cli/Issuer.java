package dev.sluice.client.cli;

import dev.sluice.common.Durations;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;

/** The issuer key pair in a data directory, and the tokens it mints. Never prints a key. */
final class Issuer {
  private final KeyPair keys;

  private Issuer(KeyPair keys) {
    this.keys = keys;
  }

  static boolean exists(Path dataDir) {
    return Files.exists(dataDir.resolve(IssuerKeys.PRIVATE_FILE));
  }

  /** Creates the key pair in {@code dataDir}. */
  static Issuer create(Path dataDir) throws IOException {
    KeyPair keys = IssuerKeys.generate();
    IssuerKeys.write(keys, dataDir);
    return new Issuer(keys);
  }

  /** Reads the key pair from {@code dataDir}; a clear IOException if it is not there. */
  static Issuer load(Path dataDir) throws IOException {
    Path privateFile = dataDir.resolve(IssuerKeys.PRIVATE_FILE);
    if (!Files.exists(privateFile)) {
      throw new IOException("no issuer key in " + dataDir + " (create one with 'sluice keys init"
          + " --data-dir " + dataDir + "')");
    }
    return new Issuer(new KeyPair(IssuerKeys.readPublic(dataDir.resolve(IssuerKeys.PUBLIC_FILE)),
        IssuerKeys.readPrivate(privateFile)));
  }

  String mint(String subject, String account, Role role, String app, Duration ttl) {
    return Tokens.mint(Tokens.claims(subject, account, role, app, ttl, Instant.now()),
        keys.getPrivate(), keys.getPublic());
  }

  /** Writes a token to a file only its owner can read. */
  static void writeSecret(Path file, String token) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, token + "\n", StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Parses {@code 90s}, {@code 10m}, {@code 24h}, {@code 30d}: a {@link Durations} > 0. */
  static Duration ttl(String value) {
    Duration ttl = Durations.parse("--ttl", value);
    if (ttl.isZero()) {
      throw new IllegalArgumentException("--ttl: '" + value + "' (expected: > 0)");
    }
    return ttl;
  }
}
