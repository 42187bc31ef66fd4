package dev.sluice.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Sluice tokens: compact JWTs ({@code header.payload.signature}, base64url) signed with Ed25519
 * ({@code alg: EdDSA}), so standard JWT tools can read them. The header names the issuer key
 * ({@code kid}).
 *
 * <pre>{@code
 * String token = Tokens.mint(claims, issuer.getPrivate());
 * TokenClaims back = new Tokens.Verifier(List.of(issuer.getPublic())).verify(token, Instant.now());
 * }</pre>
 */
public final class Tokens {
  private static final JsonFactory JSON = new JsonFactory();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();
  /** Most characters a token may have; a longer header value is refused unparsed. */
  public static final int MAX_LENGTH = 4_096;

  private Tokens() {}

  /** Claims for a new token: a random {@code jti}, issued now, valid for {@code ttl}. */
  public static TokenClaims claims(String subject, String account, Role role, String app,
      java.time.Duration ttl, Instant now) {
    Instant issued = Instant.ofEpochSecond(now.getEpochSecond());
    return new TokenClaims(subject, account, role, app == null ? "" : app, issued,
        issued.plus(ttl), UUID.randomUUID().toString());
  }

  /** Signs {@code claims} with the issuer's private key. */
  public static String mint(TokenClaims claims, PrivateKey issuer, PublicKey issuerPublic) {
    String header = json(g -> {
      g.writeStringField("alg", "EdDSA");
      g.writeStringField("typ", "JWT");
      g.writeStringField("kid", IssuerKeys.keyId(issuerPublic));
    });
    String payload = json(g -> {
      g.writeStringField("sub", claims.subject());
      g.writeStringField("acct", claims.account());
      g.writeStringField("role", claims.role().wireName());
      if (!claims.app().isEmpty()) {
        g.writeStringField("app", claims.app());
      }
      g.writeNumberField("iat", claims.issuedAt().getEpochSecond());
      g.writeNumberField("exp", claims.expiresAt().getEpochSecond());
      g.writeStringField("jti", claims.id());
    });
    String signingInput = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(issuer);
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64.encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the issuer key", e);
    }
  }

  /** Verifies tokens against the issuer keys it trusts (two at once during a rotation). */
  public static final class Verifier {
    private static final long CLOCK_SKEW_SECONDS = 60;
    private final Map<String, PublicKey> keys = new HashMap<>();

    public Verifier(Iterable<PublicKey> trusted) {
      for (PublicKey key : trusted) {
        keys.put(IssuerKeys.keyId(key), key);
      }
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("trusted issuer keys: none given (expected: 1 or more)");
      }
    }

    /** The claims of a valid token; a {@link TokenException} saying what is wrong otherwise. */
    public TokenClaims verify(String token, Instant now) throws TokenException {
      if (token == null || token.isEmpty()) {
        throw new TokenException(TokenException.Reason.MISSING, "no token");
      }
      if (token.length() > MAX_LENGTH) {
        throw malformed("longer than " + MAX_LENGTH + " characters");
      }
      int first = token.indexOf('.');
      int second = first < 0 ? -1 : token.indexOf('.', first + 1);
      if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
        throw malformed("not a compact JWT (expected: header.payload.signature)");
      }
      Map<String, Object> header = parse(token.substring(0, first), "header");
      if (!"EdDSA".equals(header.get("alg"))) {
        throw malformed("alg " + header.get("alg") + " (expected: EdDSA)");
      }
      byte[] signature = decode(token.substring(second + 1), "signature");
      byte[] signed = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
      if (!signedByTrustedKey(header.get("kid"), signed, signature)) {
        throw new TokenException(TokenException.Reason.UNTRUSTED_SIGNATURE,
            "signature does not verify with any trusted issuer key (forged, or signed by "
                + "another issuer)");
      }
      TokenClaims claims = claims(parse(token.substring(first + 1, second), "payload"));
      long nowSeconds = now.getEpochSecond();
      if (claims.expiresAt().getEpochSecond() <= nowSeconds) {
        throw new TokenException(TokenException.Reason.EXPIRED,
            "expired at " + claims.expiresAt());
      }
      if (claims.issuedAt().getEpochSecond() > nowSeconds + CLOCK_SKEW_SECONDS) {
        throw new TokenException(TokenException.Reason.NOT_YET_VALID,
            "issued in the future (" + claims.issuedAt() + ")");
      }
      return claims;
    }

    private boolean signedByTrustedKey(Object kid, byte[] signed, byte[] signature) {
      if (kid instanceof String id) {
        PublicKey key = keys.get(id);
        return key != null && verifies(key, signed, signature);
      }
      for (PublicKey key : keys.values()) {
        if (verifies(key, signed, signature)) {
          return true;
        }
      }
      return false;
    }

    private static boolean verifies(PublicKey key, byte[] signed, byte[] signature) {
      try {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(signed);
        return verifier.verify(signature);
      } catch (GeneralSecurityException e) {
        return false;
      }
    }
  }

  private static TokenClaims claims(Map<String, Object> p) throws TokenException {
    Role role = Role.fromWire(string(p, "role"));
    if (role == null) {
      throw malformed("claim role: " + p.get("role")
          + " (expected: runner, member, admin or caller)");
    }
    Object app = p.get("app");
    try {
      return new TokenClaims(string(p, "sub"), string(p, "acct"), role,
          app instanceof String a ? a : "", Instant.ofEpochSecond(number(p, "iat")),
          Instant.ofEpochSecond(number(p, "exp")), string(p, "jti"));
    } catch (IllegalArgumentException e) {
      throw malformed("claims: " + e.getMessage());
    }
  }

  private static String string(Map<String, Object> p, String claim) throws TokenException {
    if (p.get(claim) instanceof String s && !s.isEmpty()) {
      return s;
    }
    throw malformed("claim " + claim + " missing or not a string");
  }

  private static long number(Map<String, Object> p, String claim) throws TokenException {
    if (p.get(claim) instanceof Long n) {
      return n;
    }
    throw malformed("claim " + claim + " missing or not a number");
  }

  private static Map<String, Object> parse(String part, String name) throws TokenException {
    byte[] bytes = decode(part, name);
    Map<String, Object> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed(name + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (value) {
          case VALUE_STRING -> out.put(field, p.getText());
          case VALUE_NUMBER_INT -> out.put(field, p.getLongValue());
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw malformed(name + " is not valid JSON");
    }
    return out;
  }

  private static byte[] decode(String part, String name) throws TokenException {
    try {
      return UNB64.decode(part);
    } catch (IllegalArgumentException e) {
      throw malformed(name + " is not base64url");
    }
  }

  private static TokenException malformed(String why) {
    return new TokenException(TokenException.Reason.MALFORMED, "malformed token: " + why);
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static String json(Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
