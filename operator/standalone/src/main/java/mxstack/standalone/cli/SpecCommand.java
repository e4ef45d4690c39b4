package mxstack.standalone.cli;

import java.util.concurrent.Callable;
import mxstack.core.validation.SpecInvalidException;
import mxstack.standalone.cloudron.CloudronLayout;
import mxstack.standalone.cloudron.CloudronPlanStep;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code matrixctl spec --effective}. */
@Command(
    name = "spec",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description =
        "Print the effective spec in Cloudron mode: the CLOUDRON_* environment with matrix.yaml"
            + " merged over it and all defaults filled in. Holds no secret values.")
final class SpecCommand implements Callable<Integer> {

  @Option(
      names = "--effective",
      required = true,
      description = "The merged, defaulted spec (the only view there is for now).")
  boolean effective;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try {
      spec.commandLine().getOut().print(CloudronPlanStep.effectiveSpec(System.getenv()));
      return Matrixctl.OK;
    } catch (SpecInvalidException e) {
      SpecFiles.report(
          CloudronLayout.fromEnvironment(System.getenv()).specFile(),
          e,
          spec.commandLine().getErr());
      return Matrixctl.INVALID_SPEC;
    }
  }
}
