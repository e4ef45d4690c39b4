package mxstack.core.plan;

import mxstack.core.spec.SecretRef;

/**
 * Resolves secrets to the file paths a program reads them from, on one target.
 *
 * @param generatedDir directory of generated secrets
 * @param derivedDir directory of derived secret files
 * @param userMountDir directory Kubernetes Secret keys are mounted under
 */
public record SecretPaths(String generatedDir, String derivedDir, String userMountDir) {

  /** The paths a target implies. */
  public static SecretPaths of(Target target) {
    return new SecretPaths(
        target.secretsDir(), target.derivedSecretsDir(), target.userSecretsDir());
  }

  /** Path of a generated secret. */
  public String generated(String name) {
    return generatedDir + "/" + name;
  }

  /** Path of a derived secret file. */
  public String derived(String name) {
    return derivedDir + "/" + name;
  }

  /** Path of an admin-provided secret: the file itself, or where its Secret key is mounted. */
  public String user(SecretRef ref) {
    if (ref.file() != null) {
      return ref.file();
    }
    return userMountDir + "/" + ref.secretName() + "/" + ref.key();
  }
}
