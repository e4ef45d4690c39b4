package mxstack.core.plan;

/** The on-disk format of a secret the adapters generate once and never change. */
public enum SecretFormat {
  /** Synapse signing key file: {@code ed25519 a_XXXX <unpadded base64 seed>} and a newline. */
  SYNAPSE_SIGNING_KEY,
  /** 48 random alphanumeric characters, no trailing newline (Synapse and MAS trim these). */
  RANDOM_TOKEN,
  /** Exactly 64 lowercase hex characters (32 random bytes), no trailing newline: MAS encryption. */
  HEX_32_BYTES,
  /** RSA private key (at least 2048 bit) as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
  RSA_PRIVATE_KEY_PEM,
  /** EC P-256 private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
  EC_P256_PRIVATE_KEY_PEM
}
