package mxstack.standalone.cloudron;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.Violation;
import mxstack.core.yaml.SpecMapper;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.apply.DerivedSecretWriter;
import mxstack.standalone.apply.SecretTemplate;
import mxstack.standalone.secrets.SecretGenerator;
import mxstack.standalone.secrets.SecretStore;

/**
 * One planning pass in Cloudron mode, run in a short-lived process of its own: reads Cloudron's
 * environment and matrix.yaml, validates, renders the configs, creates missing secrets and the
 * derived secret files, and reports the processes to run. The resident supervisor stays small
 * because the YAML, JSON and rendering code lives and dies here.
 */
public final class CloudronPlanStep {

  /** Where the last applied admin file is kept, so a broken file never decides what runs. */
  static final String LAST_APPLIED = ".mxstack/last-applied.yaml";

  private final Map<String, String> env;
  private final CloudronLayout layout;
  private final Target target;
  private final PrintStream log;
  private final DerivedSecretWriter derivedWriter;

  /** A planning pass over the given environment, logging to {@code log}. */
  public CloudronPlanStep(Map<String, String> env, PrintStream log) {
    this.env = env;
    this.layout = CloudronLayout.fromEnvironment(env);
    this.target = layout.target();
    this.log = log;
    this.derivedWriter = new DerivedSecretWriter(SecretPaths.of(target));
  }

  /**
   * Plans and applies the files; returns the result in the wire format.
   *
   * @param firstStart true at container start: creates matrix.yaml if missing and falls back to the
   *     last valid spec when the file is invalid
   * @param running names of processes already running (to tell which need a restart because a
   *     secret they read changed)
   */
  public String run(boolean firstStart, List<String> running) throws IOException {
    RuntimeFiles.createDirectories(layout, target);
    if (firstStart) {
      createSpecFileIfMissing();
    }
    String adminFile = layout.readSpec();
    String adminText = adminFile == null ? "" : adminFile;
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(env, layout.environmentSecretsDir());
    try {
      DesiredState plan = plan(layer, adminText);
      Map<String, SecretTemplate> derived = derivedWriter.templates(plan.derivedSecrets());
      List<String> restart = apply(plan, derived, layer, running);
      ConfigWriter.write(
          layout.dataDir().resolve(LAST_APPLIED), adminText.getBytes(StandardCharsets.UTF_8), 0600);
      PlanWire.Result result =
          new PlanWire.Result(
              PlanWire.Outcome.VALID, List.of(), plan.warnings(), restart, plan.processes());
      save(plan.files(), derived, adminFile, result);
      return PlanWire.encode(result);
    } catch (SpecInvalidException e) {
      List<String> violations = e.violations().stream().map(Violation::toString).toList();
      Path last = layout.dataDir().resolve(LAST_APPLIED);
      if (firstStart && Files.exists(last)) {
        try {
          DesiredState plan = plan(layer, Files.readString(last, StandardCharsets.UTF_8));
          log("starting from the last valid spec until " + layout.specFile() + " is fixed");
          List<String> restart =
              apply(plan, derivedWriter.templates(plan.derivedSecrets()), layer, running);
          return PlanWire.encode(
              new PlanWire.Result(
                  PlanWire.Outcome.FALLBACK,
                  violations,
                  plan.warnings(),
                  restart,
                  plan.processes()));
        } catch (SpecInvalidException stale) {
          log("the last valid spec no longer validates either");
        }
      }
      return PlanWire.encode(
          new PlanWire.Result(
              PlanWire.Outcome.INVALID, violations, List.of(), List.of(), List.of()));
    }
  }

  /**
   * Entry point of the planning process the resident supervisor starts: {@code [--first-start]
   * [--running=NAME]...}; prints the plan in the wire format, logs to stderr. A plain main, so the
   * step does not pay for a command-line parser at every boot and edit.
   */
  public static void main(String[] args) throws IOException {
    boolean firstStart = false;
    List<String> running = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--first-start")) {
        firstStart = true;
      } else if (arg.startsWith("--running=")) {
        running.add(arg.substring("--running=".length()));
      } else {
        System.err.println("unknown argument " + arg);
        System.exit(1);
      }
    }
    PrintStream log = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    String wire = new CloudronPlanStep(System.getenv(), log).run(firstStart, running);
    System.out.print(wire);
    System.out.flush();
  }

  private DesiredState plan(CloudronEnvironment.Layer layer, String adminText)
      throws SpecInvalidException {
    MatrixDeploymentDocument document = SpecSources.load(layer.tree(), adminText);
    return Planner.plan(document.spec(), SecretPaths.of(target), target);
  }

  private List<String> apply(
      DesiredState plan,
      Map<String, SecretTemplate> derived,
      CloudronEnvironment.Layer layer,
      List<String> running)
      throws IOException {
    RuntimeFiles.writeEnvironmentSecrets(layout, layer.secrets());
    new ConfigWriter(Path.of(target.configDir())).writeAll(plan.files());
    SecretStore.EnsureResult secrets =
        new SecretStore(Path.of(target.secretsDir()), new SecretGenerator()).ensure(plan.secrets());
    if (!secrets.created().isEmpty()) {
      log("generated secrets: " + String.join(", ", secrets.created()));
    }
    List<String> derivedChanged = derivedWriter.writeAll(derived);
    List<String> restart = new ArrayList<>();
    for (String name : derivedChanged) {
      String path = SecretPaths.of(target).derived(name);
      for (PlannedProcess p : plan.processes()) {
        if (running.contains(p.name())
            && p.secretFiles().contains(path)
            && !restart.contains(p.name())) {
          restart.add(p.name());
        }
      }
    }
    RuntimeFiles.giveOwnership(layout, target);
    return restart;
  }

  /**
   * Keeps the plan for the next container start (see {@link PlanCache}). A failure only costs that
   * start its shortcut.
   */
  private void save(
      List<PlannedFile> files,
      Map<String, SecretTemplate> derived,
      String adminFile,
      PlanWire.Result result) {
    try {
      String fingerprint = PlanCache.fingerprint(env, layout, target, adminFile);
      Path file = layout.dataDir().resolve(PlanCache.FILE);
      if (fingerprint == null) {
        Files.deleteIfExists(file);
        return;
      }
      PlanWire.Result kept =
          new PlanWire.Result(
              result.outcome(), List.of(), result.warnings(), List.of(), result.processes());
      String text = PlanCache.encode(new PlanCache.Entry(fingerprint, files, derived, kept));
      ConfigWriter.write(file, text.getBytes(StandardCharsets.UTF_8), 0600);
    } catch (IOException | RuntimeException e) {
      log("could not keep the plan for the next start: " + e.getMessage());
    }
  }

  private void createSpecFileIfMissing() throws IOException {
    Path file = layout.specFile();
    if (Files.exists(file)) {
      return;
    }
    try (InputStream in = getClass().getResourceAsStream("/mxstack/templates/matrix.yaml")) {
      if (in == null) {
        throw new IOException("the matrix.yaml template is missing from the application");
      }
      ConfigWriter.write(file, in.readAllBytes(), 0644);
    }
    log("created " + file + " with commented examples; edit it to change settings");
  }

  private void log(String line) {
    log.println("supervisor | " + line);
  }

  /** The effective spec as YAML (for {@code matrixctl spec --effective}); throws if invalid. */
  public static String effectiveSpec(Map<String, String> env)
      throws IOException, SpecInvalidException {
    CloudronLayout layout = CloudronLayout.fromEnvironment(env);
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(env, layout.environmentSecretsDir());
    String adminText = Objects.requireNonNullElse(layout.readSpec(), "");
    MatrixDeploymentDocument document = SpecSources.load(layer.tree(), adminText);
    List<String> notes = new ArrayList<>();
    notes.add("# The effective MatrixDeployment: Cloudron's environment with " + layout.specFile());
    notes.add("# merged over it and every default filled in. Secret values never appear here:");
    notes.add("# references point at files; on Kubernetes, replace each file reference with");
    notes.add("# secretName/key of a Secret holding the same value before `kubectl apply`.");
    return String.join("\n", notes) + "\n" + SpecMapper.toYaml(document);
  }
}
