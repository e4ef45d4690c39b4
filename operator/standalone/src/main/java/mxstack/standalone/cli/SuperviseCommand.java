package mxstack.standalone.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import mxstack.standalone.cloudron.CloudronSupervisor;
import picocli.CommandLine.Command;

/** {@code matrixctl supervise}: the Cloudron container's main process. */
@Command(
    name = "supervise",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description = {
      "Run in Cloudron mode: read the spec from the CLOUDRON_* environment and"
          + " $MXSTACK_DATA_DIR/matrix.yaml (default /app/data), render the configs under"
          + " $MXSTACK_RUN_DIR (default /run/mxstack), run nginx, Synapse and MAS, and apply edits"
          + " of matrix.yaml live. Stops on SIGTERM or SIGINT.",
      "",
      "Paths and programs: MXSTACK_SYNAPSE_PYTHON, MAS_HOME, NGINX_BIN, PSQL_BIN, MXSTACK_RUN_AS;"
          + " ports: MXSTACK_HTTP_PORT (8000), MXSTACK_SYNAPSE_PORT, MXSTACK_MAS_PORT,"
          + " MXSTACK_MAS_INTERNAL_PORT."
    })
final class SuperviseCommand implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    // The container starts mxstack.standalone.cloudron.CloudronMain directly (no CLI parser).
    return new CloudronSupervisor(System.getenv(), out).run();
  }
}
