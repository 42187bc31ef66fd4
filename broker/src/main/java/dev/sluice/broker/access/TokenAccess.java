package dev.sluice.broker.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.subject.SubjectFilter;
import dev.sluice.proto.SubjectSyntax;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.token.Role;
import dev.sluice.token.TokenClaims;
import dev.sluice.token.TokenException;
import dev.sluice.token.Tokens;
import java.time.Clock;
import java.time.Duration;

/**
 * The access proxy with signed tokens. A token's claims decide everything: the account (never
 * what a Hello or a record says), the role, and the app scope.
 *
 * <ul>
 *   <li>runner: may open Ingest for its token's app only; reads nothing.
 *   <li>member: reads every subject of its account (of its app, if the token has one).
 *   <li>admin: as member, and manages drains and app policy.
 *   <li>caller: reads only records of requests that named it as caller, with a filter that
 *       names the app and the request; of a private app, only the requests' start and end.
 * </ul>
 *
 * <p>Verified tokens are cached until they expire, so the signature is checked once per token,
 * not once per call.
 */
public final class TokenAccess implements AccessProxy {
  private static final String BEARER = "Bearer ";
  private static final int CACHE_SIZE = 100_000;

  private final Tokens.Verifier verifier;
  private final AppPolicies policies;
  private final Clock clock;
  private final Cache<String, TokenClaims> verified;
  // Refused tokens and why, briefly: a client repeating a forged token must not cost a
  // signature check (~0.7 ms) per call.
  private final Cache<String, String> refused =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(60)).build();
  private final Stats.Counter verifications;
  private final Stats.Counter refusals;

  public TokenAccess(Tokens.Verifier verifier, AppPolicies policies, Clock clock, Stats stats) {
    this.verifications = stats.counter("access.token_verifications",
        "token signatures checked (a token is checked once, then cached until it expires)");
    this.refusals = stats.counter("access.tokens_refused",
        "calls refused for a missing, malformed, forged, expired or not yet valid token");
    this.verifier = verifier;
    this.policies = policies;
    this.clock = clock;
    this.verified = Caffeine.newBuilder().maximumSize(CACHE_SIZE)
        .expireAfter(new UntilTokenExpiry(clock)).build();
  }

  @Override
  public Principal authenticate(String authorization) {
    if (authorization == null || authorization.isEmpty()) {
      refusals.increment();
      throw unauthenticated("missing token: send the metadata 'authorization: Bearer <token>'");
    }
    if (!authorization.startsWith(BEARER)) {
      refusals.increment();
      throw unauthenticated("malformed authorization header (expected: 'Bearer <token>')");
    }
    String token = authorization.substring(BEARER.length()).trim();
    TokenClaims claims = verified.getIfPresent(token);
    if (claims == null) {
      String known = refused.getIfPresent(token);
      if (known != null) {
        refusals.increment();
        throw unauthenticated(known);
      }
      try {
        verifications.increment();
        claims = verifier.verify(token, clock.instant());
      } catch (TokenException e) {
        String why = switch (e.reason()) {
          case MISSING -> "missing token: send the metadata 'authorization: Bearer <token>'";
          case MALFORMED -> e.getMessage();
          case UNTRUSTED_SIGNATURE -> "forged token or wrong issuer: " + e.getMessage();
          case EXPIRED -> "expired token: " + e.getMessage();
          case NOT_YET_VALID -> "token not valid yet: " + e.getMessage();
        };
        if (e.reason() != TokenException.Reason.NOT_YET_VALID) { // that one may heal soon
          refused.put(token, why);
        }
        refusals.increment();
        throw unauthenticated(why);
      }
      verified.put(token, claims);
    }
    return new Principal(claims.subject(), claims.account(), claims.role(), claims.app(),
        claims.expiresAt());
  }

  /** Signature checks done so far. */
  long verifications() {
    return verifications.value();
  }

  @Override
  public IngestGrant authorizeIngest(Principal principal, String app) {
    if (principal.role() != Role.RUNNER) {
      throw denied("ingest needs the role runner; this token's role is "
          + principal.role().wireName());
    }
    if (!principal.app().equals(app)) {
      // Refused rather than moved: a runner naming another app is a deployment mistake that
      // should be seen, and nothing is ever rewritten silently.
      throw denied("hello.app " + SubjectSyntax.quote(app) + ": this runner token is for app "
          + SubjectSyntax.quote(principal.app()) + " only");
    }
    return new IngestGrant(principal.account(), principal.app());
  }

  @Override
  public ReadGrant authorizeRead(Principal principal, SubjectFilter filter) {
    return switch (principal.role()) {
      case RUNNER -> throw denied("reading logs needs the role member, admin or caller; "
          + "this token's role is runner");
      case MEMBER, ADMIN -> {
        if (!principal.app().isEmpty() && !filter.firstToken().equals(principal.app())) {
          throw denied("filter " + SubjectSyntax.quote(filter.toString())
              + ": this token may read app " + SubjectSyntax.quote(principal.app()) + " only");
        }
        yield new ReadGrant(principal.account(), filter);
      }
      case CALLER -> callerGrant(principal, filter);
    };
  }

  @Override
  public void requireAdmin(Principal principal, String what) {
    if (principal.role() != Role.ADMIN) {
      throw denied(what + " needs the role admin; this token's role is "
          + principal.role().wireName());
    }
  }

  private ReadGrant callerGrant(Principal principal, SubjectFilter filter) {
    if (!filter.isLiteralAppAndRequest()) {
      throw denied("filter " + SubjectSyntax.quote(filter.toString()) + ": a caller may read "
          + "only its own requests; name the app and the request (for example app.*.req-1)");
    }
    String account = principal.account();
    String caller = principal.id();
    return new ReadGrant(account, filter, record ->
        caller.equals(record.getLabels().getCaller())
            && (record.getKind() != RecordKind.LINE
                || !policies.isPrivate(account, record.getLabels().getAppName())));
  }

  private static SluiceException unauthenticated(String message) {
    return new SluiceException(Failure.UNAUTHENTICATED, message);
  }

  private static SluiceException denied(String message) {
    return new SluiceException(Failure.PERMISSION_DENIED, message);
  }

  /** Keeps a verified token exactly until it expires. */
  private static final class UntilTokenExpiry implements Expiry<String, TokenClaims> {
    private final Clock clock;

    UntilTokenExpiry(Clock clock) {
      this.clock = clock;
    }

    @Override
    public long expireAfterCreate(String token, TokenClaims claims, long currentTime) {
      Duration left = Duration.between(clock.instant(), claims.expiresAt());
      return Math.max(0, left.toNanos());
    }

    @Override
    public long expireAfterUpdate(String token, TokenClaims claims, long currentTime,
        long currentDuration) {
      return expireAfterCreate(token, claims, currentTime);
    }

    @Override
    public long expireAfterRead(String token, TokenClaims claims, long currentTime,
        long currentDuration) {
      return currentDuration;
    }
  }
}
