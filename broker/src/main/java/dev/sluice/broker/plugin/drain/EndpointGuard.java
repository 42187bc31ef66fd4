package dev.sluice.broker.plugin.drain;

import dev.sluice.broker.error.SluiceException;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Where a drain may send. HTTPS only (plain HTTP behind an explicit development setting), and
 * never to loopback, link-local (cloud metadata lives there), private, unique-local, multicast
 * or unspecified addresses unless the allow-list names them: a drain must not become a way to
 * reach the broker's own network. Checked at creation and again before every delivery, since
 * names resolve differently over time.
 */
final class EndpointGuard {
  private final DrainSettings settings;
  private final List<Cidr> allowed;

  record Cidr(BigInteger network, int bits, int length) {
    boolean contains(InetAddress address) {
      byte[] raw = address.getAddress();
      if (raw.length * 8 != length) {
        return false;
      }
      BigInteger value = new BigInteger(1, raw);
      return value.shiftRight(length - bits).equals(network.shiftRight(length - bits));
    }
  }

  EndpointGuard(DrainSettings settings) {
    this.settings = settings;
    this.allowed = settings.allowAddresses().stream().map(EndpointGuard::parseCidr).toList();
  }

  /** Parses {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code ::1/128}. */
  static Cidr parseCidr(String text) {
    int slash = text.indexOf('/');
    String host = slash < 0 ? text : text.substring(0, slash);
    try {
      if (!host.matches("[0-9a-fA-F:.]+")) {
        throw new IllegalArgumentException("not an address");
      }
      byte[] raw = InetAddress.getByName(host).getAddress(); // a literal: no lookup
      int length = raw.length * 8;
      int bits = slash < 0 ? length : Integer.parseInt(text.substring(slash + 1));
      if (bits < 0 || bits > length) {
        throw new IllegalArgumentException("prefix length out of range");
      }
      return new Cidr(new BigInteger(1, raw), bits, length);
    } catch (UnknownHostException | IllegalArgumentException e) {
      throw new IllegalArgumentException("drains.allowAddresses: '" + text
          + "' (expected: an IP address or CIDR block like 127.0.0.1/32)");
    }
  }

  /** Checks the URL's form; INVALID_ARGUMENT naming what is wrong. */
  URI checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw SluiceException.invalid("url: not a URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!scheme.equals("https") && !(scheme.equals("http") && settings.allowHttp())) {
      throw SluiceException.invalid("url: '" + scheme + "://' is not allowed (expected: "
          + "https://" + (scheme.equals("http") ? "; plain http only with the broker's "
          + "--drain-allow-http development flag" : "") + ")");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw SluiceException.invalid("url: no host");
    }
    if (uri.getUserInfo() != null) {
      throw SluiceException.invalid("url: credentials in the URL are not allowed; the "
          + "signature authenticates deliveries");
    }
    return uri;
  }

  /**
   * Resolves the host and refuses addresses the broker must not send to; returns a reason, or
   * null when every address is fine.
   */
  String refusal(URI uri) {
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return "host '" + uri.getHost() + "' does not resolve";
    }
    for (InetAddress address : addresses) {
      String kind = internalKind(address);
      if (kind != null && allowed.stream().noneMatch(c -> c.contains(address))) {
        return "host '" + uri.getHost() + "' resolves to " + kind + " address "
            + address.getHostAddress() + " (allow it with --drain-allow-address)";
      }
    }
    return null;
  }

  private static String internalKind(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return "a loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local (metadata)";
    }
    if (a.isSiteLocalAddress()) {
      return "a private";
    }
    if (a.isAnyLocalAddress()) {
      return "an unspecified";
    }
    if (a.isMulticastAddress()) {
      return "a multicast";
    }
    byte[] raw = a.getAddress();
    if (a instanceof Inet6Address && (raw[0] & 0xfe) == 0xfc) {
      return "a unique-local";
    }
    if (raw.length == 4 && (raw[0] & 0xff) == 100 && (raw[1] & 0xc0) == 64) {
      return "a carrier-grade NAT";
    }
    return null;
  }
}
