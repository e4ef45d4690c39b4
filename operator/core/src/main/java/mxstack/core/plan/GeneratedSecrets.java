package mxstack.core.plan;

import java.util.List;

/** The secrets the adapters generate once and keep forever, by stable name. */
public final class GeneratedSecrets {

  private GeneratedSecrets() {}

  /** Synapse's ed25519 signing key; losing it breaks federation trust. */
  public static final SecretRequirement SYNAPSE_SIGNING_KEY =
      new SecretRequirement(
          "synapse-signing-key",
          SecretFormat.SYNAPSE_SIGNING_KEY,
          "Synapse federation signing key");

  /** Synapse's macaroon secret. */
  public static final SecretRequirement SYNAPSE_MACAROON =
      new SecretRequirement(
          "synapse-macaroon-secret", SecretFormat.RANDOM_TOKEN, "Synapse macaroon secret key");

  /** Synapse's form secret. */
  public static final SecretRequirement SYNAPSE_FORM =
      new SecretRequirement(
          "synapse-form-secret", SecretFormat.RANDOM_TOKEN, "Synapse form secret");

  /** Synapse's registration shared secret (legacy mode: admin user creation). */
  public static final SecretRequirement SYNAPSE_REGISTRATION =
      new SecretRequirement(
          "synapse-registration-secret",
          SecretFormat.RANDOM_TOKEN,
          "Synapse registration shared secret (register_new_matrix_user)");

  /** The secret Synapse and MAS share. */
  public static final SecretRequirement MAS_SYNAPSE_SHARED =
      new SecretRequirement(
          "mas-synapse-shared-secret", SecretFormat.RANDOM_TOKEN, "Synapse and MAS shared secret");

  /** MAS's database encryption key; never changes. */
  public static final SecretRequirement MAS_ENCRYPTION =
      new SecretRequirement(
          "mas-encryption-key", SecretFormat.HEX_32_BYTES, "MAS encryption key (never change)");

  /** MAS's RSA signing key. */
  public static final SecretRequirement MAS_RSA_KEY =
      new SecretRequirement(
          "mas-signing-key-rsa", SecretFormat.RSA_PRIVATE_KEY_PEM, "MAS RSA signing key");

  /** MAS's EC P-256 signing key. */
  public static final SecretRequirement MAS_EC_KEY =
      new SecretRequirement(
          "mas-signing-key-ec-p256", SecretFormat.EC_P256_PRIVATE_KEY_PEM, "MAS EC signing key");

  /**
   * Every generated secret: what either auth mode needs. A plan asks for some of them; an adapter
   * that keeps one store for both modes (the operator's Secret, never updated) generates them all,
   * so that a later switch between legacy and MAS finds what it needs.
   */
  public static final List<SecretRequirement> ALL =
      List.of(
          SYNAPSE_SIGNING_KEY,
          SYNAPSE_MACAROON,
          SYNAPSE_FORM,
          SYNAPSE_REGISTRATION,
          MAS_SYNAPSE_SHARED,
          MAS_ENCRYPTION,
          MAS_RSA_KEY,
          MAS_EC_KEY);
}
