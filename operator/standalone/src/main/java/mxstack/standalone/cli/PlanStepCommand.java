package mxstack.standalone.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import mxstack.standalone.cloudron.CloudronPlanStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code matrixctl cloudron-plan}: one planning pass, run by the Cloudron supervisor. */
@Command(
    name = "cloudron-plan",
    hidden = true,
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description =
        "Internal: render the Cloudron-mode configs and secrets and print the processes to run,"
            + " for the resident supervisor.")
final class PlanStepCommand implements Callable<Integer> {

  @Option(names = "--first-start", description = "Container start (create matrix.yaml if missing).")
  boolean firstStart;

  @Option(names = "--running", description = "A process already running.")
  List<String> running = List.of();

  @Override
  public Integer call() throws Exception {
    PrintStream log = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    String wire = new CloudronPlanStep(System.getenv(), log).run(firstStart, running);
    System.out.print(wire);
    System.out.flush();
    return Matrixctl.OK;
  }
}
