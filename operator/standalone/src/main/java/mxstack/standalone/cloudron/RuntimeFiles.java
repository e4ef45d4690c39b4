package mxstack.standalone.cloudron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.apply.DerivedSecretWriter;
import mxstack.standalone.apply.SecretTemplate;

/**
 * The files every Cloudron start puts in place besides the rendered configs, whether it plans
 * afresh or starts from the saved plan: directories, the environment's secrets (under the runtime
 * directory, never persisted) and ownership for the children's user.
 */
final class RuntimeFiles {

  private RuntimeFiles() {}

  static void createDirectories(CloudronLayout layout, Target target) throws IOException {
    Files.createDirectories(layout.dataDir());
    Files.createDirectories(layout.runDir().resolve("nginx"));
    Files.createDirectories(Path.of(target.dataDir()));
    Files.createDirectories(layout.environmentSecretsDir());
  }

  /** Writes each secret value from Cloudron's environment to its file, mode 0600. */
  private static void writeEnvironmentSecrets(CloudronLayout layout, Map<String, String> secrets)
      throws IOException {
    Path dir = layout.environmentSecretsDir();
    Files.createDirectories(dir);
    try (ConfigWriter.Batch batch = new ConfigWriter.Batch()) {
      for (Map.Entry<String, String> secret : secrets.entrySet()) {
        batch.stage(
            dir.resolve(secret.getKey()), secret.getValue().getBytes(StandardCharsets.UTF_8), 0600);
      }
      batch.commit();
    }
  }

  /**
   * Puts a plan's files in place, whether planned afresh or kept: Cloudron's secrets first (the
   * derived files are filled from them), then the rendered configs and the derived secret files
   * together, all or none. Returns the names of the derived files whose content changed.
   */
  static List<String> writePlanFiles(
      CloudronLayout layout,
      Target target,
      Map<String, String> environmentSecrets,
      List<PlannedFile> files,
      Map<String, SecretTemplate> derived)
      throws IOException {
    writeEnvironmentSecrets(layout, environmentSecrets);
    try (ConfigWriter.Batch batch = new ConfigWriter.Batch()) {
      new ConfigWriter(Path.of(target.configDir())).stageAll(batch, files);
      List<String> changed =
          new DerivedSecretWriter(SecretPaths.of(target)).stageAll(batch, derived);
      batch.commit();
      return changed;
    }
  }

  /** Hands secrets, runtime files and Synapse's data to the children's user (when root). */
  static void giveOwnership(CloudronLayout layout, Target target) throws IOException {
    FileOwnership ownership = FileOwnership.forUser(layout.runAsUser());
    if (ownership != null) {
      ownership.giveTree(Path.of(target.secretsDir()));
      ownership.giveTree(Path.of(target.derivedSecretsDir()));
      ownership.giveTree(layout.environmentSecretsDir());
      ownership.giveTree(Path.of(target.dataDir()));
      ownership.giveTree(layout.runDir().resolve("nginx"));
    }
  }
}
