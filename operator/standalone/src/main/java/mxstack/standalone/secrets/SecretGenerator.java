package mxstack.standalone.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import mxstack.core.plan.SecretFormat;

/** Generates new secrets in every {@link SecretFormat} from an injected randomness source. */
public final class SecretGenerator {

  private static final String ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int TOKEN_LENGTH = 48;
  private static final int SIGNING_KEY_VERSION_LENGTH = 4;
  private static final int ED25519_SEED_BYTES = 32;
  private static final int HEX_SECRET_BYTES = 32;
  private static final int RSA_KEY_BITS = 2048; // what mas-cli config generate makes
  private static final byte[] PEM_LINE_SEPARATOR = "\n".getBytes(StandardCharsets.US_ASCII);

  private final SecureRandom random;

  /** Uses the platform's default {@link SecureRandom}, which never blocks on Linux. */
  public SecretGenerator() {
    // getInstanceStrong() may pick /dev/random and block on a freshly booted VM.
    this(new SecureRandom());
  }

  /** Uses the given randomness source; tests can pass a seeded one. */
  public SecretGenerator(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Returns the complete file content of a new secret in the given format. */
  public byte[] generate(SecretFormat format) {
    Objects.requireNonNull(format, "format");
    return switch (format) {
      case SYNAPSE_SIGNING_KEY -> synapseSigningKey();
      case RANDOM_TOKEN -> ascii(alphanumeric(TOKEN_LENGTH));
      case HEX_32_BYTES -> hex32Bytes();
      case RSA_PRIVATE_KEY_PEM -> rsaPrivateKeyPem();
      case EC_P256_PRIVATE_KEY_PEM -> ecP256PrivateKeyPem();
    };
  }

  private byte[] synapseSigningKey() {
    // Any 32 bytes are a valid Ed25519 seed, so there is no need to go through a KeyPairGenerator.
    byte[] seed = new byte[ED25519_SEED_BYTES];
    random.nextBytes(seed);
    try {
      // Synapse reads the seed with unpaddedbase64, i.e. standard alphabet without '='.
      String line =
          "ed25519 a_"
              + alphanumeric(SIGNING_KEY_VERSION_LENGTH)
              + " "
              + Base64.getEncoder().withoutPadding().encodeToString(seed)
              + "\n";
      return ascii(line);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  private byte[] hex32Bytes() {
    byte[] bytes = new byte[HEX_SECRET_BYTES];
    random.nextBytes(bytes);
    try {
      return ascii(HexFormat.of().formatHex(bytes));
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private byte[] rsaPrivateKeyPem() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(RSA_KEY_BITS, random);
      return pkcs8Pem(generator.generateKeyPair().getPrivate());
    } catch (GeneralSecurityException e) {
      // Every Java SE runtime must support RSA, so this is a broken JDK, not a user error.
      throw new IllegalStateException("JDK cannot generate RSA keys", e);
    }
  }

  private byte[] ecP256PrivateKeyPem() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return pkcs8Pem(generator.generateKeyPair().getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK cannot generate EC P-256 keys", e);
    }
  }

  private static byte[] pkcs8Pem(PrivateKey key) {
    byte[] der = key.getEncoded();
    try {
      // The MIME encoder omits the separator after the last line, hence the explicit "\n".
      String body = Base64.getMimeEncoder(64, PEM_LINE_SEPARATOR).encodeToString(der);
      return ascii("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  private String alphanumeric(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      // nextInt(bound) rejects out-of-range samples, so there is no modulo bias.
      sb.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
    }
    return sb.toString();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
