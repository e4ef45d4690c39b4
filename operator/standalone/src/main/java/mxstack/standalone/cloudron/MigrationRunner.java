package mxstack.standalone.cloudron;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import mxstack.core.plan.MigrationPlan;
import mxstack.core.plan.MigrationState;
import mxstack.core.plan.Planner;
import mxstack.core.plan.StepOutput;
import mxstack.standalone.apply.FileErrors;

/**
 * Moves an install's accounts from Synapse to MAS on Cloudron, one state at a time ({@link
 * MigrationState}), each recorded in {@link MigrationRecord} before the next step starts: our own
 * checks and {@code syn2mas check}, the dry run, a backup of Synapse's database, Synapse stopped,
 * {@code syn2mas migrate}, then a plan in MAS mode. A restart resumes from the recorded state; a
 * failed step stops the attempt, says why in the log and status, and leaves (or puts) Synapse
 * running with its own logins. It runs again at the next start or edit, never once the accounts are
 * in MAS.
 */
final class MigrationRunner {

  /** Hang guard for one step: a migration of a large database takes long, but not forever. */
  static final long STEP_TIMEOUT_MINUTES = 120;

  private final Path dataDir;
  private final ProcessSupervisor processes;
  private final PrintStream out;
  private final Runnable replan;
  private final Runnable onChange;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(null, r, "migration", 256 * 1024);
            t.setDaemon(true);
            return t;
          });

  private volatile MigrationPlan plan;
  private volatile boolean busy;
  private volatile String currentStep;
  private volatile MigrationRecord record;
  private volatile Process running;
  private volatile boolean stopping;

  /**
   * @param dataDir where the record is kept
   * @param replan plans and applies afresh (after the accounts moved: MAS mode)
   * @param onChange called after every change of what {@link #status()} says
   */
  MigrationRunner(
      Path dataDir,
      ProcessSupervisor processes,
      PrintStream out,
      Runnable replan,
      Runnable onChange) {
    this.dataDir = dataDir;
    this.processes = processes;
    this.out = out;
    this.replan = replan;
    this.onChange = onChange;
  }

  /** What the status shows: the state, the step running, the last failure. */
  record Status(String state, String step, String failedStep, String error) {}

  /** Null when no migration was ever planned here. */
  Status status() {
    MigrationRecord r = record;
    if (r == null) {
      return null;
    }
    return new Status(r.state().wireName(), currentStep, r.failedStep(), r.error());
  }

  /**
   * Before a plan is applied: keeps Synapse stopped while the record says the accounts are being
   * moved (a restart in the middle of the move must not start it).
   */
  void beforeApply(PlanWire.Result result) {
    try {
      MigrationState state = MigrationRecord.read(dataDir).state();
      if (state == MigrationState.SYNAPSE_STOPPED) {
        processes.hold(Planner.SYNAPSE, "stopped while its accounts move to MAS");
      } else if (state.accountsInMas() && !masMode(result)) {
        // Never Synapse's own logins once the accounts are in MAS, whatever plan this is.
        processes.hold(
            Planner.SYNAPSE,
            "stopped: its accounts are in MAS, waiting for a plan delegating to it");
      }
    } catch (IOException | RuntimeException e) {
      log("ERROR: cannot read " + dataDir.resolve(MigrationRecord.FILE) + ": " + e.getMessage());
    }
  }

  private static boolean masMode(PlanWire.Result result) {
    return result.processes().stream().anyMatch(p -> p.name().equals(Planner.MAS));
  }

  /**
   * After each applied plan: starts or resumes the migration the plan carries, holds Synapse while
   * the record says it must be stopped, and records the end once Synapse and MAS run delegated.
   */
  void planApplied(PlanWire.Result result) {
    MigrationRecord current;
    try {
      current = MigrationRecord.read(dataDir);
    } catch (IOException | RuntimeException e) {
      log("ERROR: cannot read " + dataDir.resolve(MigrationRecord.FILE) + ": " + e.getMessage());
      return;
    }
    boolean masMode = masMode(result);
    if (result.migration() == null && !current.state().accountsInMas()) {
      return; // nothing to move here
    }
    record = current;
    plan = result.migration();
    if (current.state().accountsInMas() && masMode) {
      // The plan delegates to MAS: Synapse may run (again).
      processes.release(Planner.SYNAPSE);
    }
    if (current.state() == MigrationState.DELEGATED) {
      return;
    }
    if (current.state() == MigrationState.MIGRATED && masMode) {
      worker.execute(this::awaitDelegated);
      return;
    }
    if (plan != null && !busy) {
      busy = true;
      worker.execute(this::advance);
    }
  }

  /** Runs the steps from the recorded state to {@link MigrationState#MIGRATED}. */
  private void advance() {
    MigrationState state = record.state();
    try {
      if (state == MigrationState.LEGACY) {
        log("migration to MAS: checking (Synapse keeps the logins until the move)");
        preconditions();
        state = reach(MigrationState.CHECKED);
      }
      if (state == MigrationState.CHECKED) {
        run(MigrationPlan.DRY_RUN);
        state = reach(MigrationState.DRY_RUN_PASSED);
      }
      if (state == MigrationState.DRY_RUN_PASSED) {
        Path backups = Files.createDirectories(Path.of(plan.backupFile()).getParent());
        FileOwnership ownership = FileOwnership.forUser(plan.user());
        if (ownership != null) {
          ownership.giveTree(backups); // pg_dump runs as the children's user
        }
        run(MigrationPlan.BACKUP);
        log("migration to MAS: Synapse's database is backed up in " + plan.backupFile());
        processes.hold(Planner.SYNAPSE, "stopped while its accounts move to MAS");
        state = reach(MigrationState.SYNAPSE_STOPPED);
      }
      if (state == MigrationState.SYNAPSE_STOPPED) {
        if (!alreadyMigrated()) {
          // syn2mas resumes a run that stopped halfway itself.
          run(MigrationPlan.MIGRATE);
        }
        // The accounts are in MAS now: from here on, never back to Synapse's own logins.
        recordMigrated();
        state = MigrationState.MIGRATED;
        log("migration to MAS: the accounts are in MAS; planning Synapse delegated to MAS");
        // Synapse stays held until a plan delegating to MAS is applied (planApplied).
        replan.run();
      }
    } catch (StepFailed e) {
      if (!stopping) {
        fail(state, e.step, e.getMessage());
      }
    } catch (IOException e) {
      if (!stopping) {
        fail(state, currentStep, describe(e));
      }
    } finally {
      currentStep = null;
      busy = false;
      onChange.run();
    }
  }

  /** Our own checks, each with what to change, then syn2mas's. */
  private void preconditions() throws StepFailed, IOException {
    if (!plan.blockers().isEmpty()) {
      throw new StepFailed("preconditions", String.join("; ", plan.blockers()));
    }
    if (plan.step(MigrationPlan.PREPARE_SCHEMA).isPresent()) {
      run(MigrationPlan.PREPARE_SCHEMA);
    }
    run(MigrationPlan.MAS_DATABASE);
    List<String> unmapped = new ArrayList<>();
    for (String line : run(MigrationPlan.EXTERNAL_IDS).lines().toList()) {
      String idp = line.strip();
      if (!idp.isEmpty() && !plan.mappedIdps().contains(idp)) {
        unmapped.add(idp);
      }
    }
    if (!unmapped.isEmpty()) {
      throw new StepFailed(
          MigrationPlan.EXTERNAL_IDS,
          "users are linked to "
              + String.join(", ", unmapped)
              + " in Synapse, which no upstream provider maps: add one for each with"
              + " synapseIdpId: "
              + String.join(" / ", unmapped)
              + " (spec.auth.upstreamProviders), or those users could not log in");
    }
    StepRun check = start(MigrationPlan.CHECK);
    if (check.code == MigrationPlan.CHECK_WARNINGS) {
      if (!plan.acceptWarnings()) {
        throw new StepFailed(
            MigrationPlan.CHECK,
            "syn2mas check warns: "
                + check.summary()
                + "; read them in the log, then set spec.migration.acceptWarnings: true to go"
                + " ahead");
      }
      log("migration to MAS: syn2mas check warned; going ahead (spec.migration.acceptWarnings)");
    } else if (check.code != 0) {
      throw new StepFailed(
          MigrationPlan.CHECK,
          "syn2mas check "
              + (check.code == MigrationPlan.CHECK_ERRORS ? "found errors" : "failed")
              + " (exit "
              + check.code
              + "): "
              + check.summary());
    }
  }

  /**
   * Whether an earlier run of syn2mas migrate completed (a crash before its end was recorded):
   * syn2mas would refuse to run again on the filled database.
   */
  private boolean alreadyMigrated() {
    if (plan.step(MigrationPlan.MIGRATION_DONE).isEmpty()) {
      return false;
    }
    try {
      StepRun done = start(MigrationPlan.MIGRATION_DONE);
      return done.code == 0 && done.output.toString().strip().equals("t");
    } catch (StepFailed e) {
      return false;
    }
  }

  /** Records MIGRATED, trying again until it is written: the accounts are in MAS either way. */
  private void recordMigrated() {
    for (int attempt = 1; !stopping; attempt++) {
      try {
        reach(MigrationState.MIGRATED);
        return;
      } catch (IOException e) {
        if (attempt == 1) {
          log(
              "ERROR: the accounts are in MAS, but that cannot be recorded yet ("
                  + describe(e)
                  + "); Synapse stays stopped; trying again every 10 s");
        }
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** Records Synapse and MAS running delegated as the end of the migration. */
  private void awaitDelegated() {
    while (!(processes.isReady(Planner.SYNAPSE) && processes.isReady(Planner.MAS))) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      if (record.state() != MigrationState.MIGRATED) {
        return;
      }
    }
    try {
      reach(MigrationState.DELEGATED);
      log(
          "migration to MAS complete: logins are delegated to MAS; it will not run again (the"
              + " backup of Synapse's database made before the move is kept)");
    } catch (IOException e) {
      log("ERROR: cannot record the end of the migration: " + describe(e));
    }
    onChange.run();
  }

  private MigrationState reach(MigrationState state) throws IOException {
    MigrationRecord next = new MigrationRecord(state, Instant.now().toString(), null, null);
    next.write(dataDir);
    record = next;
    log("migration to MAS: " + state.wireName());
    onChange.run();
    return state;
  }

  /**
   * A failure stops the attempt where it is. Synapse, stopped for the move, runs again with its own
   * logins: its database was only read.
   */
  private void fail(MigrationState state, String step, String why) {
    MigrationState back =
        state == MigrationState.SYNAPSE_STOPPED ? MigrationState.DRY_RUN_PASSED : state;
    log("ERROR: migration to MAS stopped at " + (step == null ? "?" : step) + ": " + why);
    log(
        "migration to MAS: Synapse keeps the logins; it is tried again at the next start or edit"
            + " of matrix.yaml");
    try {
      MigrationRecord failed = new MigrationRecord(back, Instant.now().toString(), step, why);
      failed.write(dataDir);
      record = failed;
    } catch (IOException e) {
      log("ERROR: cannot record the failure: " + describe(e));
    }
    processes.release(Planner.SYNAPSE); // if it was held
    onChange.run();
  }

  /** Runs a step that must succeed; returns its output. */
  private String run(String name) throws StepFailed {
    StepRun run = start(name);
    if (run.code != 0) {
      throw new StepFailed(name, "exit status " + run.code + ": " + run.summary());
    }
    return run.output.toString();
  }

  private StepRun start(String name) throws StepFailed {
    MigrationPlan.Step step =
        plan.step(name).orElseThrow(() -> new StepFailed(name, "not in the plan"));
    currentStep = name;
    onChange.run();
    log("migration to MAS: running " + name);
    StepRun run = new StepRun();
    try {
      Process p = ChildCommand.of(plan.user(), plan.workingDir(), step.env(), step.argv()).start();
      running = p;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    run.add(line);
                    synchronized (out) {
                      out.println("syn2mas/" + name + " | " + line);
                    }
                  }
                } catch (IOException e) {
                  // ended
                }
              },
              "migration-output");
      reader.setDaemon(true);
      reader.start();
      if (!p.waitFor(STEP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        ProcessGroups.terminate(p.pid(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        throw new StepFailed(name, "did not finish within " + STEP_TIMEOUT_MINUTES + " minutes");
      }
      ProcessGroups.kill(p.pid());
      reader.join(5000);
      run.code = p.exitValue();
      running = null;
      return run;
    } catch (IOException e) {
      throw new StepFailed(name, "could not run " + step.argv().get(0) + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailed(name, "interrupted");
    }
  }

  /** Stops the runner (the supervisor is shutting down); a step in progress is ended too. */
  void shutdown(long deadlineNanos) {
    stopping = true; // an interrupted step is no failure: the next start resumes
    worker.shutdownNow();
    Process p = running;
    if (p != null && p.isAlive()) {
      ProcessGroups.terminate(p.pid(), deadlineNanos);
    }
  }

  private void log(String line) {
    synchronized (out) {
      out.println("supervisor | " + line);
    }
  }

  private static String describe(IOException e) {
    return FileErrors.describe(e);
  }

  /** A step's exit status and output, the last lines kept for the status. */
  private static final class StepRun {
    int code;
    final StringBuilder output = new StringBuilder();

    synchronized void add(String line) {
      output.append(line).append('\n');
    }

    synchronized String summary() {
      return StepOutput.summary(output.toString());
    }
  }

  /** A step that failed, with what went wrong. */
  private static final class StepFailed extends Exception {
    final String step;

    StepFailed(String step, String message) {
      super(message);
      this.step = step;
    }
  }
}
