package mxstack.standalone.cloudron;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mxstack.core.plan.DesiredState;
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
import mxstack.standalone.secrets.SecretGenerator;
import mxstack.standalone.secrets.SecretStore;

/**
 * Cloudron mode: reads the spec from Cloudron's environment and {@code /app/data/matrix.yaml},
 * applies the plan (files, secrets, processes), watches the file and applies valid edits live. An
 * invalid edit is reported and changes nothing: the last valid plan stays in force.
 */
public final class CloudronSupervisor {

  /** Where the last applied spec is kept, so a broken file never decides what runs. */
  static final String LAST_APPLIED = ".mxstack/last-applied.yaml";

  private final Map<String, String> env;
  private final CloudronLayout layout;
  private final Target target;
  private final PrintStream out;
  private final ProcessSupervisor processes;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private FileOwnership ownership;
  private DesiredState current;
  private List<String> violations = List.of();
  private boolean specValid = true;
  private String lastSpecText;
  private volatile WatchService watcher;

  /** A supervisor for the given environment, writing its and its children's output to out. */
  public CloudronSupervisor(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.layout = CloudronLayout.fromEnvironment(env);
    this.target = layout.target();
    this.out = out;
    this.processes = new ProcessSupervisor(out, this::writeStatus);
  }

  /** Runs until SIGTERM or SIGINT; returns the exit status. */
  public int run() throws IOException {
    log("starting in Cloudron mode; data " + layout.dataDir() + ", runtime " + layout.runDir());
    ownership = FileOwnership.forUser(layout.runAsUser());
    Files.createDirectories(layout.dataDir());
    Files.createDirectories(layout.runDir().resolve("nginx"));
    Files.createDirectories(Path.of(target.dataDir()));
    createSpecFileIfMissing();
    if (!Files.isExecutable(Path.of(target.masBinary()))) {
      log(
          "WARNING: MAS is not installed ("
              + target.masBinary()
              + " is missing; set MAS_HOME to an unpacked MAS release). Synapse and the router"
              + " run without it; logins need MAS in mas mode.");
    }
    installSignalHandlers();
    if (!reconcile(true)) {
      log("ERROR: no valid spec to start from; fix " + layout.specFile() + " and restart");
      writeStatus();
      return 2;
    }
    watch();
    return 0;
  }

  /**
   * Reads the spec and applies it. Returns false only when there is nothing valid to run (an
   * invalid spec at the first start with no earlier valid spec kept).
   */
  synchronized boolean reconcile(boolean firstStart) throws IOException {
    String adminText =
        Files.exists(layout.specFile())
            ? Files.readString(layout.specFile(), StandardCharsets.UTF_8)
            : "";
    if (!firstStart && adminText.equals(lastSpecText)) {
      return true;
    }
    lastSpecText = adminText;
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(env, layout.environmentSecretsDir());
    MatrixDeploymentDocument document;
    DesiredState plan;
    try {
      document = SpecSources.load(layer.tree(), adminText);
      plan = Planner.plan(document.spec(), SecretPaths.of(target), target);
    } catch (SpecInvalidException e) {
      specValid = false;
      violations = e.violations().stream().map(Violation::toString).toList();
      log("ERROR: " + layout.specFile() + " is invalid; nothing was changed:");
      violations.forEach(v -> log("  " + v));
      if (current == null && firstStart) {
        return startFromLastApplied(layer);
      }
      writeStatus();
      return current != null;
    }
    writeEnvironmentSecrets(layer);
    apply(plan, document);
    specValid = true;
    violations = List.of();
    plan.warnings().forEach(w -> log("warning: " + w));
    writeStatus();
    return true;
  }

  private boolean startFromLastApplied(CloudronEnvironment.Layer layer) throws IOException {
    Path last = layout.dataDir().resolve(LAST_APPLIED);
    if (!Files.exists(last)) {
      return false;
    }
    log(
        "starting from the last valid spec ("
            + last
            + ") until "
            + layout.specFile()
            + " is fixed");
    try {
      MatrixDeploymentDocument document =
          SpecSources.load(layer.tree(), Files.readString(last, StandardCharsets.UTF_8));
      writeEnvironmentSecrets(layer);
      apply(Planner.plan(document.spec(), SecretPaths.of(target), target), null);
      writeStatus();
      return true;
    } catch (SpecInvalidException e) {
      log("ERROR: the last valid spec no longer validates either: " + e.getMessage());
      return false;
    }
  }

  private void apply(DesiredState plan, MatrixDeploymentDocument document) throws IOException {
    new ConfigWriter(Path.of(target.configDir())).writeAll(plan.files());
    SecretStore.EnsureResult secrets =
        new SecretStore(Path.of(target.secretsDir()), new SecretGenerator()).ensure(plan.secrets());
    if (!secrets.created().isEmpty()) {
      log("generated secrets: " + String.join(", ", secrets.created()));
    }
    List<String> derivedChanged =
        new DerivedSecretWriter(SecretPaths.of(target)).writeAll(plan.derivedSecrets());
    Set<String> restart = new HashSet<>();
    if (current != null) {
      for (String name : derivedChanged) {
        String path = SecretPaths.of(target).derived(name);
        for (PlannedProcess p : plan.processes()) {
          if (p.secretFiles().contains(path)) {
            restart.add(p.name());
          }
        }
      }
    }
    if (ownership != null) {
      ownership.giveTree(Path.of(target.secretsDir()));
      ownership.giveTree(Path.of(target.derivedSecretsDir()));
      ownership.giveTree(layout.environmentSecretsDir());
      ownership.giveTree(Path.of(target.dataDir()));
      ownership.giveTree(layout.runDir().resolve("nginx"));
    }
    current = plan;
    processes.apply(plan.processes(), restart);
    if (document != null) {
      Path last = layout.dataDir().resolve(LAST_APPLIED);
      ConfigWriter.write(
          last,
          (lastSpecText.isBlank() ? "" : lastSpecText).getBytes(StandardCharsets.UTF_8),
          0600);
    }
  }

  private void writeEnvironmentSecrets(CloudronEnvironment.Layer layer) throws IOException {
    Path dir = layout.environmentSecretsDir();
    Files.createDirectories(dir);
    for (Map.Entry<String, String> secret : layer.secrets().entrySet()) {
      ConfigWriter.write(
          dir.resolve(secret.getKey()), secret.getValue().getBytes(StandardCharsets.UTF_8), 0600);
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

  /** Applies edits of matrix.yaml as they happen, until stopped. */
  private void watch() throws IOException {
    watcher = FileSystems.getDefault().newWatchService();
    layout
        .dataDir()
        .register(
            watcher,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
    log("watching " + layout.specFile() + " for changes");
    String fileName = layout.specFile().getFileName().toString();
    try {
      while (true) {
        WatchKey key = watcher.take();
        boolean relevant =
            key.pollEvents().stream().anyMatch(e -> fileName.equals(String.valueOf(e.context())));
        key.reset();
        if (!relevant) {
          continue;
        }
        // Editors write in several steps; let them finish before reading.
        Thread.sleep(150);
        WatchKey more;
        while ((more = watcher.poll(100, TimeUnit.MILLISECONDS)) != null) {
          more.pollEvents();
          more.reset();
        }
        try {
          reconcile(false);
        } catch (IOException | RuntimeException e) {
          log("ERROR: applying " + layout.specFile() + " failed: " + e.getMessage());
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // shutting down
    }
    awaitStop();
  }

  private void awaitStop() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void installSignalHandlers() {
    sun.misc.SignalHandler handler = signal -> shutdown(signal.getName());
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
  }

  /** Stops every child in reverse order within 10 s and exits with status 0. */
  void shutdown(String signal) {
    log("received SIG" + signal + "; stopping children");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    processes.stopAll(deadline);
    writeStatus();
    log("all children stopped");
    try {
      if (watcher != null) {
        watcher.close();
      }
    } catch (IOException e) {
      // closing anyway
    }
    stopped.countDown();
    out.flush();
    System.exit(0);
  }

  private void writeStatus() {
    try {
      new SupervisorStatus(
              Instant.now().toString(),
              layout.specFile().toString(),
              specValid,
              violations,
              current == null ? List.of() : current.warnings(),
              Files.isExecutable(Path.of(target.masBinary())),
              processes.status())
          .write(layout.statusFile());
    } catch (IOException e) {
      log("could not write " + layout.statusFile() + ": " + e.getMessage());
    }
  }

  private void log(String line) {
    synchronized (out) {
      out.println("supervisor | " + line);
    }
  }

  /** The effective spec as YAML (for {@code matrixctl spec --effective}); throws if invalid. */
  public static String effectiveSpec(Map<String, String> env)
      throws IOException, SpecInvalidException {
    CloudronLayout layout = CloudronLayout.fromEnvironment(env);
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(env, layout.environmentSecretsDir());
    String adminText =
        Files.exists(layout.specFile())
            ? Files.readString(layout.specFile(), StandardCharsets.UTF_8)
            : "";
    MatrixDeploymentDocument document = SpecSources.load(layer.tree(), adminText);
    List<String> notes = new ArrayList<>();
    notes.add("# The effective MatrixDeployment: Cloudron's environment with " + layout.specFile());
    notes.add("# merged over it and every default filled in. Secret values never appear here:");
    notes.add("# references point at files; on Kubernetes, replace each file reference with");
    notes.add("# secretName/key of a Secret holding the same value before `kubectl apply`.");
    return String.join("\n", notes) + "\n" + SpecMapper.toYaml(document);
  }
}
