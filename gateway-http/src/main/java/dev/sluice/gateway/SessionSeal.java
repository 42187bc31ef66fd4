package dev.sluice.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a token into a session cookie's value (AES-256-GCM) and opens it again. Browsers send
 * a cookie to every port of its host, so a cookie holding the bare token would hand it to any
 * other service on the same host; sealed, it is only good for a gateway holding the key, and
 * only until the token expires. Gateways that share the key file share sessions.
 */
final class SessionSeal {
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] CONTEXT = Credentials.COOKIE.getBytes(StandardCharsets.US_ASCII);

  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  private SessionSeal(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** A key of this process only: sessions end when the gateway stops. */
  static SessionSeal random() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return new SessionSeal(key);
  }

  /** The key in {@code file} (base64 of 32 bytes), made (owner-only) when it is missing. */
  static SessionSeal fromFile(Path file) {
    try {
      if (!Files.exists(file)) {
        // Written whole under another name, then linked into place: a gateway starting at the
        // same moment (or after a crash) never reads a half-written key.
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".session-key", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
          Files.writeString(temp, Base64.getEncoder().encodeToString(key) + "\n");
          Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
          // another gateway made it first: use theirs
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
          try {
            Files.move(temp, file); // no hard links here: a rename that never replaces
          } catch (FileAlreadyExistsException e) {
            // theirs, again
          }
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(file).trim());
      if (key.length != KEY_BYTES) {
        throw new IllegalArgumentException("sessionKey: " + file + " holds " + key.length
            + " bytes (expected: base64 of " + KEY_BYTES + ")");
      }
      return new SessionSeal(key);
    } catch (IOException e) {
      throw new UncheckedIOException("sessionKey: cannot read or create " + file, e);
    } catch (IllegalArgumentException e) {
      throw e.getMessage() != null && e.getMessage().startsWith("sessionKey") ? e
          : new IllegalArgumentException("sessionKey: " + file + " is not base64", e);
    }
  }

  String seal(String token) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(CONTEXT);
      byte[] sealed = cipher.doFinal(token.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE_BYTES + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** The token sealed in {@code value}; null when it was not sealed with this key. */
  String open(String value) {
    try {
      byte[] in = Base64.getUrlDecoder().decode(value);
      if (in.length <= NONCE_BYTES + TAG_BITS / 8) {
        return null;
      }
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(CONTEXT);
      return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return null; // forged, damaged, or sealed by a gateway with another key
    }
  }
}
