package dev.sluice.broker.plugin.drain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a delivery: {@code v1=<hex HMAC-SHA256 of "<timestamp>.<batch id>.<body>">}, one per
 * secret (two during a rotation, comma separated), so a receiver that knows either secret can
 * verify, and the timestamp inside what is signed lets it refuse replays.
 */
public final class Signer {
  private static final HexFormat HEX = HexFormat.of();

  private Signer() {}

  /** The {@code X-Sluice-Signature} header value for the given secrets (newest first). */
  public static String header(List<String> secrets, long timestampSeconds, String batchId,
      byte[] body) {
    StringBuilder out = new StringBuilder();
    for (String secret : secrets) {
      if (out.length() > 0) {
        out.append(',');
      }
      out.append("v1=").append(HEX.formatHex(hmac(secret, timestampSeconds, batchId, body)));
    }
    return out.toString();
  }

  static byte[] hmac(String secret, long timestampSeconds, String batchId, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestampSeconds + "." + batchId + ".").getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
