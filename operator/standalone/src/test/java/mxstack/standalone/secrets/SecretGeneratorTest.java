package mxstack.standalone.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mxstack.core.plan.SecretFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SecretGeneratorTest {

  private static final Pattern SIGNING_KEY =
      Pattern.compile("^ed25519 a_[A-Za-z0-9]{4} ([A-Za-z0-9+/]{43})\n$");
  private static final Pattern PEM =
      Pattern.compile(
          "^-----BEGIN PRIVATE KEY-----\n((?:[A-Za-z0-9+/=]{1,64}\n)+)"
              + "-----END PRIVATE KEY-----\n$");
  private static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private final SecretGenerator generator = new SecretGenerator();

  private String generateString(SecretFormat format) {
    return new String(generator.generate(format), StandardCharsets.US_ASCII);
  }

  @ParameterizedTest
  @EnumSource(SecretFormat.class)
  void everyFormatProducesNonEmptyAsciiThatDiffersEachTime(SecretFormat format) {
    byte[] first = generator.generate(format);
    byte[] second = generator.generate(format);
    assertTrue(first.length > 0);
    for (byte b : first) {
      assertTrue(b >= 0x0a && b < 0x7f, "non-printable byte in " + format);
    }
    assertNotEquals(
        new String(first, StandardCharsets.US_ASCII),
        new String(second, StandardCharsets.US_ASCII));
  }

  @Test
  void signingKeyIsSynapseFormatWithUsableEd25519Seed() throws Exception {
    String line = generateString(SecretFormat.SYNAPSE_SIGNING_KEY);
    Matcher matcher = SIGNING_KEY.matcher(line);
    assertTrue(matcher.matches(), "not a Synapse signing key line");
    assertTrue(!line.contains("="), "Synapse expects unpadded base64");
    byte[] seed = Base64.getDecoder().decode(matcher.group(1));
    assertEquals(32, seed.length);

    PrivateKey fromSeed =
        KeyFactory.getInstance("Ed25519")
            .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));

    // The JDK has no public-key derivation API, but its generator derives the pair from a 32-byte
    // draw, so feeding it the seed yields the matching public key.
    KeyPairGenerator pairGenerator = KeyPairGenerator.getInstance("Ed25519");
    pairGenerator.initialize(NamedParameterSpec.ED25519, fixedBytes(seed));
    KeyPair pair = pairGenerator.generateKeyPair();
    assertArrayEquals(seed, ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow());

    byte[] message = "federation request".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(fromSeed);
    signer.update(message);
    byte[] signature = signer.sign();

    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(pair.getPublic());
    verifier.update(message);
    assertTrue(verifier.verify(signature));
  }

  @Test
  void hexIsExactly64LowercaseHexCharsWithoutNewline() {
    String hex = generateString(SecretFormat.HEX_32_BYTES);
    assertEquals(64, hex.length());
    assertTrue(hex.matches("[0-9a-f]{64}"), "not lowercase hex: length " + hex.length());
    assertTrue(!hex.contains("\n"));
  }

  @Test
  void tokenIs48AlphanumericCharsAndRandom() {
    String first = generateString(SecretFormat.RANDOM_TOKEN);
    String second = generateString(SecretFormat.RANDOM_TOKEN);
    assertTrue(first.matches("[A-Za-z0-9]{48}"), "not 48 alphanumeric chars");
    assertTrue(second.matches("[A-Za-z0-9]{48}"), "not 48 alphanumeric chars");
    assertNotEquals(first, second);
  }

  @Test
  void rsaKeyIsParseablePkcs8PemOfAtLeast2048Bits() throws Exception {
    byte[] der = pemBody(generateString(SecretFormat.RSA_PRIVATE_KEY_PEM));
    RSAPrivateKey key =
        (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    assertTrue(key.getModulus().bitLength() >= 2048);
    assertEquals(2048, key.getModulus().bitLength());
  }

  @Test
  void ecKeyIsParseablePkcs8PemOnP256() throws Exception {
    byte[] der = pemBody(generateString(SecretFormat.EC_P256_PRIVATE_KEY_PEM));
    ECPrivateKey key =
        (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    assertEquals(256, key.getParams().getCurve().getField().getFieldSize());
    assertEquals(P256_ORDER, key.getParams().getOrder());
  }

  @Test
  void sameRandomnessGivesSameOutput() {
    byte[] first = new SecretGenerator(seeded()).generate(SecretFormat.RANDOM_TOKEN);
    byte[] second = new SecretGenerator(seeded()).generate(SecretFormat.RANDOM_TOKEN);
    assertArrayEquals(first, second, "the injected SecureRandom must be the only entropy source");
  }

  private static byte[] pemBody(String pem) {
    Matcher matcher = PEM.matcher(pem);
    assertTrue(matcher.matches(), "not a PKCS#8 PEM with 64-column lines");
    return Base64.getMimeDecoder().decode(matcher.group(1));
  }

  private static SecureRandom seeded() {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(42L);
      return random;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A "random" source that hands out the given bytes, to make a key generator use a seed. */
  private static SecureRandom fixedBytes(byte[] bytes) {
    return new SecureRandom() {
      @Override
      public void nextBytes(byte[] out) {
        assertEquals(bytes.length, out.length);
        System.arraycopy(bytes, 0, out, 0, bytes.length);
      }
    };
  }
}
