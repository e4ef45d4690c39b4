package mxstack.standalone.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import mxstack.standalone.doctor.Doctor;
import mxstack.standalone.doctor.DoctorReport;
import mxstack.standalone.doctor.DoctorTarget;
import mxstack.standalone.doctor.HttpProbe;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code matrixctl doctor [URL]}: checks a running deployment as a client would. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = Matrixctl.FAILED,
    exitCodeOnExecutionException = Matrixctl.FAILED,
    description = {
      "Check a running deployment as a client would: the well-known documents at the server"
          + " name, /_matrix/client/versions, auth_metadata, the login flows (SSO with"
          + " oauth_aware_preferred, from MAS), whoami with a made-up token (401; 503 means"
          + " Synapse cannot reach MAS), MAS's discovery document and the QR-code login"
          + " rendezvous. Inside the Cloudron container it also probes Synapse's MAS API with the"
          + " shared secret and MAS's health listener. One line per check: PASS, WARN or FAIL,"
          + " what was seen, and a fix for what is wrong.",
      "",
      "Without URL, inside the container: the app's origin (CLOUDRON_APP_ORIGIN), with requests"
          + " sent to the router on http://127.0.0.1:$MXSTACK_HTTP_PORT (8000) with the public"
          + " host in the Host header, as Cloudron's proxy sends them."
    },
    footer = {"", "Exit status: 0 when no check failed (warnings allowed), 1 otherwise."})
final class DoctorCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "URL",
      description =
          "The homeserver's public base URL (https://matrix.example.com) or the server name"
              + " (example.com), whose well-known document then names the base URL.")
  String url;

  @Option(
      names = "--via",
      paramLabel = "ADDRESS",
      description =
          "Send requests for the public hosts to this plain http address instead (e.g."
              + " http://127.0.0.1:8000), with the public host in the Host header.")
  String via;

  @Option(
      names = "--server-name",
      paramLabel = "NAME",
      description =
          "The server name whose well-known documents to check, when URL is the base URL"
              + " (default: learnt from Synapse).")
  String serverName;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long each request may take, connecting and answering (default: 10).")
  int timeoutSeconds;

  @Option(names = "--json", description = "Print the results as JSON.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (timeoutSeconds < 1 || timeoutSeconds > 300) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--timeout must be between 1 and 300 seconds");
    }
    DoctorTarget target;
    HttpProbe probe;
    try {
      target = DoctorTarget.resolve(url, serverName, via, System.getenv());
      probe = new HttpProbe(target.via(), Duration.ofSeconds(timeoutSeconds));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    DoctorReport report = new Doctor(probe, target).run();
    var out = spec.commandLine().getOut();
    out.print(json ? report.json() : report.text());
    out.flush();
    return report.failed() ? Matrixctl.FAILED : Matrixctl.OK;
  }
}
