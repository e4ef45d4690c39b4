package mxstack.standalone.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlanSummary;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecInvalidException;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.secrets.SecretGenerator;
import mxstack.standalone.secrets.SecretStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code matrixctl render FILE --out DIR}. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description = {
      "Render every planned file for inspection: DIR/config/ holds the configs, DIR/secrets/ the"
          + " generated secrets (created once, mode 0600, kept on later runs), DIR/plan.yaml the"
          + " processes, secrets and warnings."
    })
final class RenderCommand implements Callable<Integer> {

  enum TargetChoice {
    cloudron,
    kubernetes
  }

  @Parameters(paramLabel = "FILE", description = "The MatrixDeployment YAML file.")
  Path file;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write into (created if missing).")
  Path out;

  @Option(
      names = "--target",
      defaultValue = "cloudron",
      description =
          "Paths and addresses to render for: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  TargetChoice target;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    var stdout = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    MatrixDeploymentDocument document;
    DesiredState plan;
    Target layout =
        target == TargetChoice.cloudron ? Target.cloudron() : Target.kubernetes("synapse", "mas");
    try {
      document = SpecFiles.load(file);
      plan = Planner.plan(document.spec(), SecretPaths.of(layout), layout);
    } catch (SpecInvalidException e) {
      SpecFiles.report(file, e, err);
      return Matrixctl.INVALID_SPEC;
    }
    List<String> changed = new ConfigWriter(out.resolve("config")).writeAll(plan.files());
    SecretStore.EnsureResult secrets =
        new SecretStore(out.resolve("secrets"), new SecretGenerator()).ensure(plan.secrets());
    ConfigWriter.write(
        out.resolve("plan.yaml"), PlanSummary.toYaml(plan).getBytes(StandardCharsets.UTF_8), 0644);
    plan.warnings().forEach(w -> err.println("warning: " + w));
    stdout.println(
        "rendered "
            + plan.files().size()
            + " files ("
            + changed.size()
            + " changed) into "
            + out.resolve("config"));
    stdout.println(
        "secrets in "
            + out.resolve("secrets")
            + ": "
            + secrets.created().size()
            + " created, "
            + secrets.existing().size()
            + " kept");
    return Matrixctl.OK;
  }
}
