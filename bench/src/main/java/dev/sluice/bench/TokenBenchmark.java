package dev.sluice.bench;

import dev.sluice.broker.access.AppPolicies;
import dev.sluice.broker.access.Principal;
import dev.sluice.broker.access.TokenAccess;
import dev.sluice.broker.stats.Stats;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.TokenClaims;
import dev.sluice.token.TokenException;
import dev.sluice.token.Tokens;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The broker's token authentication, single-threaded: {@link TokenAccess#authenticate} of an
 * {@code authorization} header, on a verified-token cache hit (one token, or a working set of
 * {@value #MANY} distinct tokens), against the uncached cost, {@link Tokens.Verifier#verify}
 * (Ed25519 signature check plus JSON parse of header and claims).
 *
 * <p>Tokens are member tokens of account {@code acct}, valid for one hour, minted in setup
 * with a fresh Ed25519 issuer key.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar TokenBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * }</pre>
 */
public class TokenBenchmark extends QuickBenchmark {
  static final String ACCOUNT = "acct";
  /** Distinct tokens cycled by {@link #authenticateManyTokens}; the cache holds 100,000. */
  static final int MANY = 10_000;

  /** A valid member token signed by {@code issuer}, issued now, for one hour. */
  static String mint(KeyPair issuer) {
    return Tokens.mint(Tokens.claims("sub", ACCOUNT, Role.MEMBER, "", Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  /** The broker's access proxy, as {@code Broker} builds it: one trusted key, the real clock. */
  static TokenAccess tokenAccess(KeyPair issuer) {
    return new TokenAccess(new Tokens.Verifier(List.of(issuer.getPublic())), new AppPolicies(),
        Clock.systemUTC(), new Stats());
  }

  static void check(Principal principal) {
    if (!principal.account().equals(ACCOUNT) || principal.role() != Role.MEMBER) {
      throw new IllegalStateException("setup: authenticated as " + principal
          + " (expected: account acct, role member)");
    }
  }

  /** One pre-minted token: verified uncached, authenticated through the cache, and a map key. */
  @State(Scope.Thread)
  public static class One {
    Tokens.Verifier verifier;
    TokenAccess tokenAccess;
    String token;
    String header;
    Instant now;
    Map<String, String> plainMap;
    String key;

    @Setup
    public void setup() throws TokenException {
      KeyPair issuer = IssuerKeys.generate();
      token = mint(issuer);
      // Built once, as TokenAccess holds it: a cache miss costs verify(), not the constructor.
      verifier = new Tokens.Verifier(List.of(issuer.getPublic()));
      now = Instant.now();
      TokenClaims claims = verifier.verify(token, now);
      // The header as gRPC metadata hands it over: one String, built before the call.
      header = "Bearer " + token;
      tokenAccess = tokenAccess(issuer);
      check(tokenAccess.authenticate(header)); // a miss: verified and cached
      plainMap = new HashMap<>();
      plainMap.put(token, claims.account());
      // Equal but not identical to the map's key, as a header parsed per call would be.
      key = new String(token.toCharArray());
      System.out.printf("%n[token] %d characters: %s%n", token.length(), token);
    }
  }

  /** {@value #MANY} distinct valid tokens, all cached in setup, taken round-robin. */
  @State(Scope.Thread)
  public static class Many {
    TokenAccess tokenAccess;
    String[] headers;
    int next;

    @Setup
    public void setup() {
      KeyPair issuer = IssuerKeys.generate();
      tokenAccess = tokenAccess(issuer);
      headers = new String[MANY];
      for (int i = 0; i < MANY; i++) {
        headers[i] = "Bearer " + mint(issuer);
      }
      // Pass 1 verifies and caches every token; pass 2 must be all hits (far faster).
      for (int pass = 1; pass <= 2; pass++) {
        long start = System.nanoTime();
        for (String header : headers) {
          check(tokenAccess.authenticate(header));
        }
        System.out.printf("%n[many] pass %d over %d tokens: %.0f ns/token%s", pass, MANY,
            (System.nanoTime() - start) / (double) MANY,
            pass == 1 ? " (verify + put)" : " (cache hits)");
      }
      System.out.println();
    }

    String next() {
      String header = headers[next];
      next = next + 1 == headers.length ? 0 : next + 1;
      return header;
    }
  }

  /** Yardstick for this machine in this run: one HashMap lookup of a token-sized key. */
  @Benchmark
  public String baselineHashMapGet(One s) {
    return s.plainMap.get(s.key);
  }

  /** The cost of a cache miss: Ed25519 signature check plus JSON parse of the token. */
  @Benchmark
  public TokenClaims verifyUncached(One s) throws TokenException {
    return s.verifier.verify(s.token, s.now);
  }

  /** The hot path: the same token on every call, one Caffeine hit. */
  @Benchmark
  public Principal authenticateCached(One s) {
    return s.tokenAccess.authenticate(s.header);
  }

  /** {@value #MANY} distinct cached tokens, cycled: hits spread over a larger cache. */
  @Benchmark
  public Principal authenticateManyTokens(Many s) {
    return s.tokenAccess.authenticate(s.next());
  }
}
