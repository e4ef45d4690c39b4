package mxstack.core.plan;

/**
 * A secret the plan needs to exist, by name, never by value.
 *
 * @param name stable identifier, also the file name under the target's secrets directory
 * @param format how an adapter generates it; {@code null} for secrets the admin provides
 * @param description what the secret is for, for humans
 */
public record SecretRequirement(String name, SecretFormat format, String description) {
  /** True when an adapter must generate the value (as opposed to the admin providing it). */
  public boolean generated() {
    return format != null;
  }
}
