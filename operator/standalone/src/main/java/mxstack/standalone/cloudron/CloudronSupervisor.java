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
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.Planner;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.Target;
import mxstack.standalone.apply.ConfigWriter;
import mxstack.standalone.apply.FileErrors;

/**
 * Cloudron mode, the resident part: the container's main process. It runs a planning step (a
 * short-lived process of its own, {@link CloudronPlanStep}) at start and after every edit of
 * matrix.yaml, supervises the planned processes, and reports status. An invalid edit is reported
 * and changes nothing: the last valid plan stays in force.
 */
public final class CloudronSupervisor {

  /** How long one planning step may take. */
  static final long PLAN_TIMEOUT_SECONDS = 120;

  /** How often a plan that could not be applied is tried again, and the status rewritten. */
  static final long HOUSEKEEPING_SECONDS = 10;

  private final Map<String, String> env;
  private final CloudronLayout layout;
  private final Target target;
  private final PrintStream out;
  private final ProcessSupervisor processes;
  private final MigrationRunner migration;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean applied;
  private volatile List<String> violations = List.of();
  private volatile List<String> warnings = List.of();
  private volatile boolean specValid = true;
  private String lastSpecText;
  private volatile WatchService watcher;
  private volatile Process planStep;

  /** Why the last plan could not be applied (nothing was changed), or null. */
  private volatile String applyError;

  /** What the supervisor itself wants the admin to know, besides the plan's warnings. */
  private volatile String notice;

  private volatile String planStepError;

  /** The plan's check that someone can log in, or null; and what it last found. */
  private volatile PreStartStep loginCheck;

  private volatile String loginNotice;
  private volatile boolean someoneCouldLogIn;
  private volatile boolean statusWritten = true;
  private final Object statusLock = new Object();
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(null, r, "housekeeping", 256 * 1024);
            t.setDaemon(true);
            return t;
          });

  /** A supervisor for the given environment, writing its and its children's output to out. */
  public CloudronSupervisor(Map<String, String> env, PrintStream out) {
    this.env = env;
    this.layout = CloudronLayout.fromEnvironment(env);
    this.target = layout.target();
    this.out = out;
    this.processes = new ProcessSupervisor(out, this::writeStatus);
    this.migration =
        new MigrationRunner(layout.dataDir(), processes, out, this::replan, this::writeStatus);
  }

  /**
   * Plans and applies afresh although matrix.yaml is unchanged (the accounts moved to MAS). The
   * planning step starts under the same lock as any other, so no older one runs beside it.
   */
  private synchronized void replan() {
    try {
      reconcile(!applied, startPlanStep(!applied));
    } catch (IOException | RuntimeException e) {
      log("ERROR: " + FileErrors.describe(e));
    }
  }

  /** Runs until SIGTERM or SIGINT; returns the exit status. */
  public int run() throws IOException {
    log("starting in Cloudron mode; data " + layout.dataDir() + ", runtime " + layout.runDir());
    if (!Files.isExecutable(Path.of(target.masBinary()))) {
      log(
          "WARNING: MAS is not installed ("
              + target.masBinary()
              + " is missing; set MAS_HOME to an unpacked MAS release). Synapse and the router"
              + " run without it; logins need MAS in mas mode.");
    }
    installSignalHandlers();
    if (!startFromSavedPlan() && !reconcile(true, startPlanStep(true))) {
      if (applyError != null) {
        log("ERROR: nothing could be started: " + applyError + "; trying again every 10 s");
      } else {
        log(
            "ERROR: no valid spec to start from; fix "
                + layout.specFile()
                + ": it is applied as soon as it is saved");
      }
      writeStatus();
    }
    housekeeping.scheduleWithFixedDelay(
        this::housekeeping, HOUSEKEEPING_SECONDS, HOUSEKEEPING_SECONDS, TimeUnit.SECONDS);
    watch();
    return 0;
  }

  /**
   * Tries a plan again that could not be applied (a full disk, say: the same text is not saved
   * again when space comes back), and rewrites the status, so that it is written once space allows
   * and its time tells a reader it is current.
   */
  private void housekeeping() {
    try {
      checkLogin();
      if (applyError != null) {
        reconcile(!applied, null);
      } else {
        writeStatus();
      }
    } catch (IOException | RuntimeException e) {
      log("ERROR: " + FileErrors.describe(e));
    }
  }

  /**
   * Starts from the plan the last planning step kept, when every input is as it was then (see
   * {@link PlanCache}): no planning process, so Synapse starts sooner. False when that cannot be
   * done; the caller then plans afresh.
   */
  private boolean startFromSavedPlan() {
    try {
      String adminText = layout.readSpec();
      PlanWire.Result saved = PlanCache.applyIfCurrent(env, layout, target, adminText);
      if (saved == null) {
        return false;
      }
      log("inputs unchanged since the last planning: starting from the saved plan");
      lastSpecText = adminText == null ? "" : adminText;
      warnings = saved.warnings();
      warnings.forEach(w -> log("warning: " + w));
      loginCheck = saved.loginCheck();
      migration.beforeApply(saved);
      processes.apply(saved.processes(), Set.of());
      migration.planApplied(saved);
      applied = true;
      writeStatus();
      return true;
    } catch (IOException | RuntimeException e) {
      log("could not start from the saved plan (" + FileErrors.describe(e) + "); planning afresh");
      return false;
    }
  }

  /** Plans and applies; false when nothing valid could be started at all. */
  synchronized boolean reconcile(boolean firstStart, Process started) throws IOException {
    String adminFile = layout.readSpec();
    if (adminFile == null && applied && started == null) {
      restoreDeletedSpec();
      return true;
    }
    String adminText = Objects.requireNonNullElse(adminFile, "");
    if (started == null && adminText.equals(lastSpecText) && applyError == null) {
      return true;
    }
    PlanWire.Result result = finishPlanStep(started != null ? started : startPlanStep(firstStart));
    if (result == null) {
      String cause = planStepError != null ? planStepError : "the planning step failed";
      if (!cause.equals(applyError)) {
        log("ERROR: " + cause + "; nothing was changed; trying again every 10 s");
      }
      applyError = cause;
      writeStatus();
      return applied;
    }
    if (applyError != null) {
      log("the plan could be applied again");
    }
    applyError = null;
    lastSpecText = adminText;
    if (result.outcome() != PlanWire.Outcome.VALID) {
      specValid = false;
      violations = result.violations();
      log("ERROR: " + layout.specFile() + " is invalid; nothing was changed:");
      violations.forEach(v -> log("  " + v));
    } else {
      specValid = true;
      violations = List.of();
    }
    if (result.outcome() == PlanWire.Outcome.INVALID) {
      writeStatus();
      return applied;
    }
    warnings = result.warnings();
    warnings.forEach(w -> log("warning: " + w));
    notice = null;
    loginCheck = result.loginCheck();
    if (loginCheck == null) {
      loginNotice = null;
    }
    migration.beforeApply(result);
    processes.apply(result.processes(), new HashSet<>(result.restart()));
    migration.planApplied(result);
    applied = true;
    writeStatus();
    return true;
  }

  /**
   * When people can log in only with a MAS password, asks MAS's database (once MAS is ready, and
   * again at every housekeeping round while nobody can) whether anyone has one; says so in the log
   * and status while nobody does.
   */
  private void checkLogin() {
    PreStartStep check = loginCheck;
    PlannedProcess mas = processes.planned(Planner.MAS);
    if (check == null || mas == null || !processes.isReady(Planner.MAS)) {
      return;
    }
    if (loginNotice == null && someoneCouldLogIn) {
      return; // found before: users are not removed by accident
    }
    try {
      Process p = ChildCommand.of(mas, check.argv()).start();
      String output;
      try (InputStream in = p.getInputStream()) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          ProcessGroups.kill(p.pid());
          p.destroyForcibly();
          return;
        }
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (p.exitValue() != 0) {
        return; // MAS's tables not there yet, or the database away: try at the next round
      }
      boolean someone = output.equals("t");
      if (!someone && loginNotice == null) {
        log("WARNING: " + DesiredState.NOBODY_CAN_LOG_IN);
      } else if (someone && loginNotice != null) {
        log("someone can log in now: a user with a MAS password exists");
      }
      someoneCouldLogIn = someone;
      loginNotice = someone ? null : DesiredState.NOBODY_CAN_LOG_IN;
      writeStatus();
    } catch (IOException e) {
      // psql not installed here: nothing to tell
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * matrix.yaml was deleted while running: nothing changes (deleting the file is no way to ask for
   * the defaults, and an admin may not have meant it); the last applied spec is written back.
   */
  private void restoreDeletedSpec() {
    Path last = layout.dataDir().resolve(CloudronPlanStep.LAST_APPLIED);
    try {
      byte[] text = Files.exists(last) ? Files.readAllBytes(last) : new byte[0];
      ConfigWriter.write(layout.specFile(), text, 0644);
      notice =
          layout.specFile()
              + " was deleted; the running settings were kept and the last applied spec was"
              + " written back to it ("
              + Instant.now()
              + ")";
    } catch (IOException e) {
      notice =
          layout.specFile()
              + " was deleted; the running settings are kept, but the file could not be written"
              + " back: "
              + FileErrors.describe(e);
    }
    log("WARNING: " + notice);
    writeStatus();
  }

  /** Starts the planning step in its own JVM; null when it could not start (logged). */
  private Process startPlanStep(boolean firstStart) {
    List<String> command = new ArrayList<>(ProcessGroups.leaderPrefix());
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx128m");
    if (hasGeneratedSecrets()) {
      command.add("-XX:TieredStopAtLevel=1");
    } // else a first boot: it generates an RSA key, which the full compiler makes about 2x faster
    command.add("-Xshare:auto");
    command.add("-Xlog:all=warning:stderr");
    String archive = env.get("MXSTACK_CDS_ARCHIVE");
    if (archive != null && Files.isReadable(Path.of(archive))) {
      command.add("-XX:SharedArchiveFile=" + archive);
    }
    command.add("-cp");
    command.add(PlanCache.planClassPath());
    command.add(CloudronPlanStep.class.getName());
    if (firstStart) {
      command.add("--first-start");
    }
    for (String name : processes.names()) {
      command.add("--running=" + name);
    }
    try {
      Process step =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      planStep = step;
      planStepError = null;
      forwardPlanStepLog(step);
      return step;
    } catch (IOException e) {
      log("ERROR: could not run the planning step: " + FileErrors.describe(e));
      return null;
    }
  }

  /** Passes the planning step's log lines on and keeps its error line for the status. */
  private void forwardPlanStepLog(Process step) {
    Thread thread =
        new Thread(
            null,
            () -> {
              try (var reader =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          step.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (line.startsWith("supervisor | ERROR: ")) {
                    planStepError = line.substring("supervisor | ERROR: ".length());
                  }
                  synchronized (out) {
                    out.println(line);
                  }
                }
              } catch (IOException e) {
                // the step ended
              }
            },
            "plan-log",
            128 * 1024);
    thread.setDaemon(true);
    thread.start();
  }

  private boolean hasGeneratedSecrets() {
    try (var files = Files.list(Path.of(target.secretsDir()))) {
      return files.findAny().isPresent();
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads the planning step's result; null when it failed (reported in the log). */
  private PlanWire.Result finishPlanStep(Process step) {
    if (step == null) {
      return null;
    }
    try {
      // Read on the side, so that a step that hangs with its output open still times out.
      CompletableFuture<String> wire =
          CompletableFuture.supplyAsync(
              () -> {
                try (InputStream in = step.getInputStream()) {
                  return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                  return "";
                }
              },
              runnable -> {
                Thread t = new Thread(runnable, "plan-output");
                t.setDaemon(true);
                t.start();
              });
      if (!step.waitFor(PLAN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        ProcessGroups.kill(step.pid());
        step.destroyForcibly();
        planStepError = "the planning step did not finish in " + PLAN_TIMEOUT_SECONDS + " s";
        log("ERROR: " + planStepError);
        return null;
      }
      if (step.exitValue() != 0) {
        if (step.exitValue() != CloudronPlanStep.FILES_FAILED || planStepError == null) {
          planStepError = "the planning step failed (exit " + step.exitValue() + "; see the log)";
        }
        return null;
      }
      return PlanWire.decode(wire.get(30, TimeUnit.SECONDS));
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException
        | RuntimeException e) {
      log("ERROR: the planning step's result could not be read: " + FileErrors.describe(e));
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
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
        Thread.sleep(100);
        WatchKey more;
        while ((more = watcher.poll(50, TimeUnit.MILLISECONDS)) != null) {
          more.pollEvents();
          more.reset();
        }
        try {
          reconcile(!applied, null);
        } catch (IOException | RuntimeException e) {
          log("ERROR: applying " + layout.specFile() + " failed: " + FileErrors.describe(e));
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // shutting down
    }
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
    Process planning = planStep;
    if (planning != null && planning.isAlive()) {
      ProcessGroups.terminate(planning.pid(), deadline);
    }
    migration.shutdown(deadline);
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
    synchronized (statusLock) {
      writeStatusNow();
    }
  }

  private void writeStatusNow() {
    try {
      String json =
          StatusJson.render(
              Instant.now().toString(),
              layout.specFile().toString(),
              specValid,
              violations,
              notices(),
              applyError,
              migration.status(),
              Files.isExecutable(Path.of(target.masBinary())),
              processes.status());
      ConfigWriter.write(layout.statusFile(), json.getBytes(StandardCharsets.UTF_8), 0644);
      if (!statusWritten) {
        log("the status is written again");
      }
      statusWritten = true;
    } catch (IOException e) {
      if (statusWritten) {
        log(
            "ERROR: could not write the status (trying again every 10 s): "
                + FileErrors.describe(e));
      }
      statusWritten = false;
    }
  }

  /** The plan's warnings and the supervisor's own notices. */
  private List<String> notices() {
    List<String> all = new ArrayList<>(warnings);
    for (String more : new String[] {notice, loginNotice}) {
      if (more != null) {
        all.add(more);
      }
    }
    return all;
  }

  private void log(String line) {
    synchronized (out) {
      out.println("supervisor | " + line);
    }
  }
}
