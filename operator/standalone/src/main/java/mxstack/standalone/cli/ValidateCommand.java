package mxstack.standalone.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecInvalidException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code matrixctl validate FILE}. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description = "Check a MatrixDeployment file and report every problem with its field path.")
final class ValidateCommand implements Callable<Integer> {

  @Parameters(paramLabel = "FILE", description = "The MatrixDeployment YAML file.")
  Path file;

  @Option(
      names = "--target",
      defaultValue = "cloudron",
      description =
          "Where the spec runs, for its secret references (a file on cloudron, a Secret's key on"
              + " kubernetes): ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  RenderCommand.TargetChoice target;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    try {
      MatrixDeploymentDocument document = SpecFiles.load(file);
      Target layout =
          target == RenderCommand.TargetChoice.cloudron
              ? Target.cloudron()
              : Target.kubernetes("synapse", "mas");
      var plan = Planner.plan(document.spec(), SecretPaths.of(layout), layout);
      plan.warnings().forEach(w -> err.println("warning: " + w));
      out.println(file + ": valid");
      return Matrixctl.OK;
    } catch (SpecInvalidException e) {
      SpecFiles.report(file, e, err);
      return Matrixctl.INVALID_SPEC;
    }
  }
}
