package mxstack.standalone.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import mxstack.standalone.apply.FileErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code matrixctl}: validate and render MatrixDeployment specs. Exit codes: 0 ok, 2 invalid spec,
 * 1 anything else.
 */
@Command(
    name = "matrixctl",
    mixinStandardHelpOptions = true,
    versionProvider = Matrixctl.Version.class,
    description =
        "Validate and render MatrixDeployment specs (Synapse + Matrix Authentication Service).",
    exitCodeOnInvalidInput = 1,
    exitCodeOnExecutionException = 1,
    subcommands = {
      ValidateCommand.class,
      RenderCommand.class,
      SuperviseCommand.class,
      StatusCommand.class,
      SpecCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {"", "Exit status: 0 ok, 2 invalid spec, 1 any other error."})
public final class Matrixctl implements Callable<Integer> {

  /** Exit status for success. */
  public static final int OK = 0;

  /** Exit status for an invalid spec. */
  public static final int INVALID_SPEC = 2;

  /** Exit status for any other failure. */
  public static final int FAILED = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return FAILED;
  }

  /** Entry point. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int status = run(args, out, err);
    // print() without a newline is not flushed automatically; exit() would drop it.
    out.flush();
    err.flush();
    System.exit(status);
  }

  /** Runs the CLI with the given streams; returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Matrixctl());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("matrixctl: " + FileErrors.describe(e));
          return FAILED;
        });
    return cli.execute(args);
  }

  /** Prints the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Matrixctl.class.getPackage().getImplementationVersion();
      return new String[] {"matrixctl " + (version == null ? "(development build)" : version)};
    }
  }
}
