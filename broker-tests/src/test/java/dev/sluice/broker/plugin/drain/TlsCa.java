package dev.sluice.broker.plugin.drain;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority made with Bouncy Castle, and a server certificate it
 * issued for localhost and 127.0.0.1: what a drain test's HTTPS receiver presents, and what
 * the broker is told to trust through its CA file setting.
 */
final class TlsCa {
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final X500Name name;

  private TlsCa(String commonName) throws Exception {
    name = new X500Name("CN=" + commonName);
    caKeys = ecKeys();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
        BigInteger.ONE, Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(2))), name, caKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    ca = sign(builder);
  }

  static TlsCa create(String commonName) throws Exception {
    return new TlsCa(commonName);
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private X509Certificate sign(JcaX509v3CertificateBuilder builder) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(builder.build(
        new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
  }

  /** Writes the CA certificate as PEM into {@code dir}; returns the file. */
  Path writeCaPem(Path dir) throws Exception {
    Path file = dir.resolve("ca.pem");
    Files.writeString(file, pem(ca));
    return file;
  }

  /** A server certificate for localhost and 127.0.0.1: PEM certificate and PEM key. */
  String[] serverPem() throws Exception {
    KeyPair keys = ecKeys();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
        BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"), keys.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
        new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    builder.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    String key = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    return new String[] {pem(sign(builder)), key};
  }

  private static String pem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
