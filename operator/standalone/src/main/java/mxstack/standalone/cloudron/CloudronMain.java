package mxstack.standalone.cloudron;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The Cloudron container's main class (start.sh runs it): a plain {@code main()} that loads only
 * what supervising needs, so the resident process stays small.
 */
public final class CloudronMain {

  private CloudronMain() {}

  /** Runs the supervisor until SIGTERM or SIGINT. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      System.err.println(
          "usage: java -cp mxstack-standalone.jar mxstack.standalone.cloudron.CloudronMain\n"
              + "Runs the Cloudron supervisor (configured by environment; see matrixctl supervise"
              + " --help).");
      System.exit(1);
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.exit(new CloudronSupervisor(System.getenv(), out).run());
  }
}
