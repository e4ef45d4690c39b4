package mxstack.standalone.cloudron;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.PlannedProcess;

/**
 * How a planned process or one of its steps is started: as the leader of a process group of its
 * own, as the plan's user, in its working directory, with a clean environment plus the plan's
 * variables, standard input closed and output merged, so that no child inherits Cloudron's
 * credentials or waits on a terminal, and whatever it forks can be stopped with it.
 */
public final class ChildCommand {

  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ChildCommand() {}

  /** A builder for {@code argv} (the process's own command line or one of its steps). */
  public static ProcessBuilder of(PlannedProcess p, List<String> argv) {
    return of(p.user(), p.workingDir(), p.env(), argv);
  }

  /** A builder for {@code argv} run as {@code user} in {@code workingDir} with {@code extraEnv}. */
  public static ProcessBuilder of(
      String user, String workingDir, Map<String, String> extraEnv, List<String> argv) {
    List<String> full = new ArrayList<>(ProcessGroups.leaderPrefix());
    if (user != null && "root".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"));
    }
    full.addAll(argv);
    ProcessBuilder builder = new ProcessBuilder(full);
    builder.directory(Path.of(workingDir).toFile());
    // Children get a clean environment: Cloudron's variables hold credentials they must not see.
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", PATH);
    env.put("LANG", "C.UTF-8");
    env.put("HOME", workingDir);
    // The time zone, and a CA bundle an admin set for an identity provider with a private CA.
    for (String name : List.of("TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")) {
      String value = System.getenv(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.putAll(extraEnv);
    builder.redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return builder;
  }
}
