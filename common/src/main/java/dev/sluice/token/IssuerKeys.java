package dev.sluice.token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 issuer keys (the JDK's own provider) and their files: PEM, PKCS#8 for the private
 * key (written with mode 0600) and X.509 SubjectPublicKeyInfo for the public key, readable by
 * openssl and standard JWT tools.
 */
public final class IssuerKeys {
  /** File name of the issuer's private key in the data directory. */
  public static final String PRIVATE_FILE = "issuer.key";
  /** File name of the issuer's public key in the data directory. */
  public static final String PUBLIC_FILE = "issuer.pub";

  private static final String ALGORITHM = "Ed25519";

  private IssuerKeys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available in this JDK", e);
    }
  }

  /** Writes both keys into {@code dir}; the private key file is created with mode 0600. */
  public static void write(KeyPair keys, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path privateFile = dir.resolve(PRIVATE_FILE);
    Files.deleteIfExists(privateFile);
    try {
      Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(privateFile); // not a POSIX file system
    }
    Files.writeString(privateFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()),
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.writeString(dir.resolve(PUBLIC_FILE), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
  }

  public static PrivateKey readPrivate(Path file) throws IOException {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(
          new PKCS8EncodedKeySpec(unpem(file, "PRIVATE KEY")));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": not an Ed25519 private key (PKCS#8 PEM)", e);
    }
  }

  public static PublicKey readPublic(Path file) throws IOException {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(
          new X509EncodedKeySpec(unpem(file, "PUBLIC KEY")));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": not an Ed25519 public key (X.509 PEM)", e);
    }
  }

  /** A short, stable id of a public key (the JWT {@code kid}): 16 hex digits of its SHA-256. */
  public static String keyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] unpem(Path file, String type) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IOException(file + ": no " + type + " PEM block");
    }
    return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
  }
}
