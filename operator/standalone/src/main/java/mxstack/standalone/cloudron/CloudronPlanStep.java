package mxstack.standalone.cloudron;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.MigrationState;
import mxstack.core.plan.PlannedFile;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.AuthSpec;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MigrationSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.Violation;
import mxstack.core.yaml.SpecMapper;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.apply.DerivedSecretWriter;
import mxstack.standalone.apply.FileErrors;
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

  /**
   * The server name this installation first started with. Every account, room and signature is
   * bound to it, so no later start or edit may change it.
   */
  static final String SERVER_NAME = ".mxstack/server-name";

  private final Map<String, String> env;
  private final CloudronLayout layout;
  private final Target target;
  private final PrintStream log;
  private final DerivedSecretWriter derivedWriter;
  private String plannedServerName;

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
      Adoption adoption =
          new Adoption(
              layout.dataDir(), env, Path.of(target.secretsDir()), Path.of(target.dataDir()));
      if (adoption.applies()) {
        try {
          Adoption.Result taken = adoption.adopt();
          log(
              "took over the former Synapse package's install of "
                  + taken.serverName()
                  + ": users keep logging in as before until their accounts have moved to MAS"
                  + " (migration.strategy: syn2mas, which runs now); imported "
                  + taken.imported()
                  + ", refused "
                  + taken.refused()
                  + "; see "
                  + layout.dataDir().resolve(Adoption.REPORT));
        } catch (IOException e) {
          List<String> violation =
              List.of(
                  "(the former Synapse package's install): "
                      + FileErrors.describe(e)
                      + "; nothing was started, so that the existing server is not replaced by a"
                      + " new one");
          log("ERROR: " + violation.get(0));
          return PlanWire.encode(
              new PlanWire.Result(
                  PlanWire.Outcome.INVALID,
                  violation,
                  List.of(),
                  List.of(),
                  List.of(),
                  null,
                  null));
        }
      }
      createSpecFileIfMissing();
    }
    String adminFile = layout.readSpec();
    String adminText = adminFile == null ? "" : adminFile;
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(env, layout.environmentSecretsDir());
    try {
      DesiredState plan = plan(layer, adminText);
      Map<String, SecretTemplate> derived = derivedWriter.templates(plan.derivedSecrets());
      List<String> restart = apply(plan, derived, layer, running);
      recordApplied(adminText);
      PlanWire.Result result =
          new PlanWire.Result(
              PlanWire.Outcome.VALID,
              List.of(),
              warnings(plan, layer),
              restart,
              plan.processes(),
              plan.loginCheck(),
              plan.migration());
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
                  warnings(plan, layer),
                  restart,
                  plan.processes(),
                  plan.loginCheck(),
                  plan.migration()));
        } catch (SpecInvalidException stale) {
          log("the last valid spec no longer validates either");
        }
      }
      return PlanWire.encode(
          new PlanWire.Result(
              PlanWire.Outcome.INVALID, violations, List.of(), List.of(), List.of(), null, null));
    }
  }

  /**
   * Entry point of the planning process the resident supervisor starts: {@code [--first-start]
   * [--running=NAME]...}; prints the plan in the wire format, logs to stderr. A plain main, so the
   * step does not pay for a command-line parser at every boot and edit.
   */
  public static void main(String[] args) {
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
    String wire;
    try {
      wire = new CloudronPlanStep(System.getenv(), log).run(firstStart, running);
    } catch (IOException | UncheckedIOException e) {
      // Nothing was changed: the plan's files go in place all or none.
      log.println("supervisor | ERROR: " + FileErrors.describe(e));
      System.exit(FILES_FAILED);
      return;
    }
    System.out.print(wire);
    System.out.flush();
  }

  /** The planning step's exit status when the plan's files could not be written. */
  static final int FILES_FAILED = 3;

  private DesiredState plan(CloudronEnvironment.Layer layer, String adminText)
      throws SpecInvalidException, IOException {
    String recorded = recordedServerName();
    Map<String, Object> environment = layer.tree();
    if (recorded != null && suggestedServerName(layer) != null) {
      // The app's domain suggests a name; the one the install started with stays.
      Map<String, Object> spec = new LinkedHashMap<>(specOf(layer));
      spec.put("serverName", recorded);
      environment = new LinkedHashMap<>(environment);
      environment.put("spec", spec);
    }
    MatrixDeploymentDocument document = SpecSources.load(environment, adminText);
    String name = document.spec().serverName();
    plannedServerName = name;
    if (recorded != null && !recorded.equals(name)) {
      throw new SpecInvalidException(
          List.of(
              Violation.at(
                  "spec.serverName",
                  "is '"
                      + name
                      + "', but this installation's server name is '"
                      + recorded
                      + "' (recorded at its first start in "
                      + layout.dataDir().resolve(SERVER_NAME)
                      + "): every account (@user:"
                      + recorded
                      + "), room and signature is bound to it, so it cannot change; remove"
                      + " serverName from "
                      + layout.specFile().getFileName()
                      + " or set it to '"
                      + recorded
                      + "'")));
    }
    MigrationState migration = MigrationRecord.read(layout.dataDir()).state();
    return Planner.plan(effectiveAuth(document.spec(), migration), SecretPaths.of(target), target);
  }

  /**
   * The login mode the install's state allows: with syn2mas, Synapse keeps the logins until the
   * accounts are in MAS, and from then on MAS has them, never Synapse again (logins, devices and
   * passwords made since live only in MAS). The strategy stays once the accounts moved: MAS's
   * scheme for the passwords that came from Synapse must not go away.
   */
  private MatrixDeploymentSpec effectiveAuth(MatrixDeploymentSpec spec, MigrationState migration)
      throws SpecInvalidException {
    AuthSpec auth = spec.auth() == null ? new AuthSpec(null, null, null, null) : spec.auth();
    boolean syn2mas =
        spec.migration() != null && spec.migration().strategy() == MigrationStrategy.SYN2MAS;
    if (migration.accountsInMas()) {
      if (auth.mode() == AuthMode.LEGACY) {
        throw new SpecInvalidException(
            List.of(
                Violation.at(
                    "spec.auth.mode",
                    "is legacy, but this install's accounts moved to MAS (migration state "
                        + migration.wireName()
                        + "): logins, devices and passwords made since then live only in MAS,"
                        + " and Synapse's own login would lose them; remove auth.mode (mas is"
                        + " the default)")));
      }
      MigrationSpec kept =
          new MigrationSpec(
              MigrationStrategy.SYN2MAS,
              spec.migration() == null ? null : spec.migration().acceptWarnings());
      return withAuth(spec, withMode(auth, AuthMode.MAS), kept);
    }
    if (!syn2mas
        && auth.mode() != AuthMode.LEGACY
        && Files.exists(layout.dataDir().resolve(Adoption.MARKER))) {
      throw new SpecInvalidException(
          List.of(
              Violation.at(
                  "spec.migration.strategy",
                  "must stay syn2mas until this install's accounts have moved to MAS (they are"
                      + " still in Synapse, taken over from the former package): without the"
                      + " move, MAS would have no users and nobody could log in")));
    }
    if (syn2mas) {
      return withAuth(spec, withMode(auth, AuthMode.LEGACY), spec.migration());
    }
    return spec;
  }

  private static AuthSpec withMode(AuthSpec a, AuthMode mode) {
    return new AuthSpec(mode, a.mas(), a.upstreamProviders(), a.passwordPepper());
  }

  private static MatrixDeploymentSpec withAuth(
      MatrixDeploymentSpec s, AuthSpec auth, MigrationSpec migration) {
    return new MatrixDeploymentSpec(
        s.serverName(), s.homeserver(), auth, s.database(), s.wellKnown(), s.ingress(), migration);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> specOf(CloudronEnvironment.Layer layer) {
    return (Map<String, Object>) layer.tree().get("spec");
  }

  /** The server name the app's domain gives, or null. */
  private static Object suggestedServerName(CloudronEnvironment.Layer layer) {
    return specOf(layer).get("serverName");
  }

  private String recordedServerName() throws IOException {
    Path file = layout.dataDir().resolve(SERVER_NAME);
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
  }

  /** The plan's warnings, and one when the app's domain no longer gives the server name. */
  private List<String> warnings(DesiredState plan, CloudronEnvironment.Layer layer)
      throws IOException {
    List<String> warnings = new ArrayList<>(plan.warnings());
    Path adopted = layout.dataDir().resolve(Adoption.MARKER);
    if (Files.exists(adopted) && plan.migration() != null) {
      List<String> lines = Files.readAllLines(adopted, StandardCharsets.UTF_8);
      warnings.add(
          "taken over from the former Synapse package on "
              + lines.get(0)
              + (lines.size() > 1
                  ? "; refused settings (they cannot work with MAS): "
                      + String.join(", ", lines.subList(1, lines.size()))
                  : "")
              + "; see "
              + layout.dataDir().resolve(Adoption.REPORT));
    }
    String recorded = recordedServerName();
    Object suggested = suggestedServerName(layer);
    if (recorded != null && suggested != null && !recorded.equals(suggested)) {
      warnings.add(
          "spec.serverName: the app's domain now suggests '"
              + suggested
              + "', but the server name stays '"
              + recorded
              + "' (users are @user:"
              + recorded
              + "); clients and other servers find this server through https://"
              + recorded
              + "/.well-known/matrix/client and /server, which must point at this app");
    }
    return warnings;
  }

  /**
   * Keeps the admin's text as the last applied spec and, at the first successful start, the server
   * name. The plan is in force by now: a failure here is reported, not fatal.
   */
  private void recordApplied(String adminText) {
    try {
      ConfigWriter.write(
          layout.dataDir().resolve(LAST_APPLIED), adminText.getBytes(StandardCharsets.UTF_8), 0600);
      Path serverName = layout.dataDir().resolve(SERVER_NAME);
      if (!Files.exists(serverName)) {
        String name = plannedServerName;
        if (name != null) {
          ConfigWriter.write(serverName, (name + "\n").getBytes(StandardCharsets.UTF_8), 0644);
        }
      }
    } catch (IOException e) {
      log("WARNING: could not record the applied spec: " + FileErrors.describe(e));
    }
  }

  private List<String> apply(
      DesiredState plan,
      Map<String, SecretTemplate> derived,
      CloudronEnvironment.Layer layer,
      List<String> running)
      throws IOException {
    // Generated secrets first: they are kept whatever happens next, and never made again.
    SecretStore.EnsureResult secrets =
        new SecretStore(Path.of(target.secretsDir()), new SecretGenerator()).ensure(plan.secrets());
    if (!secrets.created().isEmpty()) {
      log("generated secrets: " + String.join(", ", secrets.created()));
    }
    List<String> derivedChanged =
        RuntimeFiles.writePlanFiles(layout, target, layer.secrets(), plan.files(), derived);
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
              result.outcome(),
              List.of(),
              result.warnings(),
              List.of(),
              result.processes(),
              result.loginCheck(),
              result.migration());
      String text = PlanCache.encode(new PlanCache.Entry(fingerprint, files, derived, kept));
      ConfigWriter.write(file, text.getBytes(StandardCharsets.UTF_8), 0600);
    } catch (IOException | RuntimeException e) {
      log("could not keep the plan for the next start: " + FileErrors.describe(e));
    }
  }

  private void createSpecFileIfMissing() throws IOException {
    Path file = layout.specFile();
    if (Files.exists(file)) {
      return;
    }
    Path last = layout.dataDir().resolve(LAST_APPLIED);
    if (Files.exists(last)) {
      // Deleted while the app was stopped: the settings in force come back, not the defaults.
      ConfigWriter.write(file, Files.readAllBytes(last), 0644);
      log("WARNING: " + file + " was missing; wrote the last applied spec back to it");
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
