package dev.sluice.broker.access;

import dev.sluice.broker.subject.SubjectFilter;
import dev.sluice.token.Role;

/**
 * The placeholder proxy of the foundation: one account, {@value #ACCOUNT}, in which everyone
 * may do everything. The access-proxy issue replaces it with signed tokens and roles; until
 * then the broker says so loudly at start.
 */
public final class OpenAccess implements AccessProxy {
  /** The only account. */
  public static final String ACCOUNT = "default";

  private static final Principal ANYONE = 
      new Principal("anonymous", ACCOUNT, Role.ADMIN, "", null);

  @Override
  public Principal authenticate(String authorization) {
    return ANYONE;
  }

  @Override
  public IngestGrant authorizeIngest(Principal principal, String app) {
    return new IngestGrant(principal.account(), app);
  }

  @Override
  public ReadGrant authorizeRead(Principal principal, SubjectFilter filter) {
    return new ReadGrant(principal.account(), filter);
  }

  @Override
  public void requireAdmin(Principal principal, String what) {
    // Everyone is an admin in the single open account.
  }
}
