package mxstack.standalone.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import mxstack.standalone.cloudron.CloudronLayout;
import mxstack.standalone.cloudron.ProcessStatus;
import mxstack.standalone.cloudron.SupervisorStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code matrixctl status}: what the supervisor reports. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description =
        "Show the Cloudron supervisor's status: the spec's validity with every violation, and each"
            + " process's state, PID, restarts and last exit. Exit status 0 when the spec is valid,"
            + " the last change was applied and nothing is crash-looping, 2 when the spec is"
            + " invalid, 1 otherwise.")
final class StatusCommand implements Callable<Integer> {

  /** A status older than this was not rewritten by a running supervisor. */
  static final long STALE_SECONDS = 30;

  @Option(names = "--json", description = "Print the status file as JSON.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    Path file = CloudronLayout.fromEnvironment(System.getenv()).statusFile();
    if (!Files.exists(file)) {
      spec.commandLine()
          .getErr()
          .println("matrixctl: no status at " + file + " (is the supervisor running?)");
      return Matrixctl.FAILED;
    }
    SupervisorStatus status = SupervisorStatus.read(file);
    if (json) {
      out.print(Files.readString(file));
    } else {
      out.println("updated " + status.updated());
      long age = Duration.between(Instant.parse(status.updated()), Instant.now()).toSeconds();
      if (age > STALE_SECONDS) {
        out.println(
            "STALE: not rewritten for "
                + age
                + " s (the supervisor rewrites it every 10 s): it is not running, or cannot write "
                + file);
      }
      if (status.applyError() != null) {
        out.println(
            "LAST CHANGE NOT APPLIED: "
                + status.applyError()
                + " (nothing was changed; the supervisor tries again)");
      }
      out.println(
          "spec "
              + status.specFile()
              + ": "
              + (status.specValid() ? "valid" : "INVALID (the last valid spec stays in force)"));
      status.violations().forEach(v -> out.println("  " + v));
      status.warnings().forEach(w -> out.println("  warning: " + w));
      SupervisorStatus.Migration m = status.migration();
      if (m != null) {
        out.println(
            "migration to MAS: "
                + m.state()
                + (m.step() != null ? ", running " + m.step() : "")
                + (m.error() != null
                    ? "; the last attempt stopped at " + m.failedStep() + ": " + m.error()
                    : ""));
      }
      if (!status.masAvailable()) {
        out.println("MAS is not installed here: logins through MAS are unavailable");
      }
      out.printf(
          "%-8s %-11s %-8s %-8s %-9s %s%n",
          "PROCESS", "STATE", "PID", "RESTARTS", "LAST EXIT", "NOTE");
      for (ProcessStatus p : status.processes()) {
        out.printf(
            "%-8s %-11s %-8s %-8d %-9s %s%n",
            p.name(),
            p.state(),
            p.pid() == null ? "-" : p.pid(),
            p.restarts(),
            p.lastExit() == null ? "-" : p.lastExit(),
            p.message() == null ? "" : p.message());
        if (p.failedStep() != null) {
          out.printf("%-8s failing step: %s%n", "", p.failedStep());
        }
        if (p.lastError() != null) {
          out.printf("%-8s last output: %s%n", "", p.lastError());
        }
      }
    }
    if (!status.specValid()) {
      return Matrixctl.INVALID_SPEC;
    }
    boolean looping =
        status.processes().stream()
            .anyMatch(p -> p.state() == mxstack.standalone.cloudron.ProcessState.CRASH_LOOP);
    return looping || status.applyError() != null ? Matrixctl.FAILED : Matrixctl.OK;
  }
}
