package mxstack.standalone.cloudron;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.ReadinessCheck;
import mxstack.standalone.apply.FileErrors;

/**
 * Runs the plan's processes: in dependency order, each as the plan's user, with its output prefixed
 * by its name; restarts a crashed one with exponential backoff and reports crash loops; stops them
 * in reverse order.
 */
public final class ProcessSupervisor implements AutoCloseable {

  /** A run shorter than this counts as a crash in a row; a longer one resets the count. */
  static final long STABLE_MILLIS = 30_000;

  /** First backoff; it doubles with each crash in a row. */
  static final long FIRST_BACKOFF_MILLIS = 1_000;

  /** Longest backoff. */
  static final long MAX_BACKOFF_MILLIS = 30_000;

  /** Crashes in a row from which a process is reported as crash-looping. */
  static final int CRASH_LOOP_AFTER = 4;

  /** How long a start waits for a dependency to become ready. */
  static final long READY_TIMEOUT_MILLIS = 300_000;

  /** How often a ready process's liveness is checked. */
  static final long LIVENESS_PERIOD_MILLIS = 10_000;

  /** How long one liveness check may take to connect, and again to answer. */
  static final int LIVENESS_TIMEOUT_MILLIS = 5_000;

  /** Failed liveness checks in a row after which a process is stopped and restarted. */
  static final int LIVENESS_FAILURES = 3;

  /** How long an unresponsive process gets to stop on SIGTERM before SIGKILL. */
  static final long UNRESPONSIVE_GRACE_MILLIS = 10_000;

  /** Hang guard for one pre-start step (a migration of a large database takes minutes). */
  static final long STEP_TIMEOUT_MILLIS = 30 * 60_000;

  private final Map<String, Supervised> processes = new LinkedHashMap<>();

  /** Processes kept stopped on purpose, with the reason. */
  private final Map<String, String> held = new LinkedHashMap<>();

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(null, r, "supervisor", 256 * 1024);
            t.setDaemon(true);
            return t;
          });

  /** Starts, restarts and stops run here, so a long pre-start step never holds up the checks. */
  private final ExecutorService launcher =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(null, r, "launcher", 256 * 1024);
            t.setDaemon(true);
            return t;
          });

  private final PrintStream out;
  private final Runnable onChange;
  private volatile boolean shuttingDown;

  /**
   * @param out where children's prefixed output and the supervisor's own lines go
   * @param onChange called after every state change (to write the status file)
   */
  public ProcessSupervisor(PrintStream out, Runnable onChange) {
    this.out = out;
    this.onChange = onChange;
  }

  /**
   * Brings the running processes in line with the plan: stops those no longer planned, starts new
   * ones, restarts those whose inputs hash changed or that are in {@code forceRestart}, and leaves
   * the rest alone (same PID). Stops synchronously; starts in the background, each process once its
   * dependencies are ready (or have been waited for long enough).
   */
  public void apply(List<PlannedProcess> planned, Set<String> forceRestart) {
    List<String> names = planned.stream().map(PlannedProcess::name).toList();
    List<Supervised> obsolete = new ArrayList<>();
    synchronized (this) {
      for (Supervised s : processes.values()) {
        if (!names.contains(s.plan.name())) {
          obsolete.add(s);
        }
      }
    }
    for (int i = obsolete.size() - 1; i >= 0; i--) {
      Supervised s = obsolete.get(i);
      log(s.plan.name() + " is no longer planned; stopping it");
      stop(s, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
      synchronized (this) {
        processes.remove(s.plan.name());
      }
    }
    List<Supervised> toStart = new ArrayList<>();
    List<Supervised> toReload = new ArrayList<>();
    synchronized (this) {
      Map<String, Supervised> ordered = new LinkedHashMap<>();
      for (PlannedProcess p : planned) {
        Supervised s = processes.get(p.name());
        if (s == null) {
          s = new Supervised(p);
          toStart.add(s);
        } else if (reloadable(s, p) && !forceRestart.contains(p.name())) {
          s.plan = p;
          toReload.add(s);
        } else if (!s.plan.inputsHash().equals(p.inputsHash())
            || forceRestart.contains(p.name())
            || s.state == ProcessState.UNAVAILABLE) {
          s.plan = p;
          toStart.add(s);
        } else {
          s.plan = p;
        }
        ordered.put(p.name(), s);
      }
      processes.clear();
      processes.putAll(ordered);
    }
    for (Supervised s : toReload) {
      reload(s);
    }
    // Stop in reverse order (also a run still in its steps or waiting to restart), then start.
    for (int i = toStart.size() - 1; i >= 0; i--) {
      Supervised s = toStart.get(i);
      boolean running = s.process != null && s.process.isAlive();
      if (running) {
        log("restarting " + s.plan.name() + ": its configuration changed");
        s.restarts++;
      }
      stop(s, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
    synchronized (this) {
      for (Supervised s : toStart) {
        s.desired = true;
        s.consecutiveFailures = 0;
        if (s.ready.isDone()) {
          s.ready = new CompletableFuture<>(); // dependents wait for the new run
        }
      }
    }
    // Each starts once its dependencies are ready, without waiting for unrelated ones: a long
    // MAS migration holds up neither Synapse nor the router.
    for (Supervised s : toStart) {
      launcher.execute(
          () -> {
            awaitDependencies(s);
            launch(s);
          });
    }
  }

  /**
   * Whether a running process can take its new plan with its reload signal: only its input files
   * changed (which, or what they hold), not how it is run.
   */
  private static boolean reloadable(Supervised s, PlannedProcess next) {
    PlannedProcess now = s.plan;
    return next.reloadSignal() != null
        && s.state == ProcessState.READY
        && s.process != null
        && s.process.isAlive()
        && !now.inputsHash().equals(next.inputsHash())
        && now.argv().equals(next.argv())
        && now.env().equals(next.env())
        && java.util.Objects.equals(now.user(), next.user())
        && now.workingDir().equals(next.workingDir())
        && now.ports().equals(next.ports())
        && now.preStart().equals(next.preStart())
        && now.secretFiles().equals(next.secretFiles())
        && next.reloadSignal().equals(now.reloadSignal());
  }

  /** Sends the process its reload signal; falls back to a restart when that cannot be sent. */
  private void reload(Supervised s) {
    Process process;
    String signal;
    synchronized (this) {
      process = s.process;
      signal = s.plan.reloadSignal();
    }
    try {
      if (process == null || !process.isAlive()) {
        throw new IOException("it is not running");
      }
      Process kill =
          new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid()))
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
        log("reloaded " + s.plan.name() + "'s configuration (SIG" + signal + ", same pid)");
        onChange.run();
        return;
      }
      kill.destroyForcibly();
    } catch (IOException e) {
      log(s.plan.name() + ": could not send SIG" + signal + ": " + FileErrors.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log("restarting " + s.plan.name() + ": its configuration changed");
    stop(s, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    synchronized (this) {
      s.desired = true;
      s.restarts++;
    }
    launcher.execute(() -> launch(s));
  }

  private void awaitDependencies(Supervised s) {
    for (String dependency : s.plan.dependsOn()) {
      Supervised d;
      synchronized (this) {
        d = processes.get(dependency);
      }
      if (d == null || d.state == ProcessState.UNAVAILABLE) {
        continue;
      }
      try {
        d.ready.get(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log(s.plan.name() + " starts although " + dependency + " is not ready yet");
      } catch (Exception e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Runs pre-start commands, then spawns; schedules readiness polling. */
  private void launch(Supervised s) {
    PlannedProcess p = s.plan;
    String program = p.argv().get(0);
    if (!Files.isExecutable(Path.of(program))) {
      synchronized (this) {
        s.state = ProcessState.UNAVAILABLE;
        s.message = program + " is not installed here; " + p.name() + " is not running";
        s.ready.complete(null);
      }
      log("WARNING: " + s.message);
      onChange.run();
      return;
    }
    int generation;
    synchronized (this) {
      if (shuttingDown || !s.desired) {
        return; // stopped before it got here
      }
      if ((s.process != null && s.process.isAlive()) || s.step != null) {
        return; // another launch got there first: one copy only
      }
      String why = held.get(p.name());
      if (why != null) {
        s.state = ProcessState.STOPPED;
        s.message = why;
        s.ready.complete(null);
        return;
      }
      generation = ++s.generation;
      s.state = ProcessState.PREPARING;
      s.message = null;
      s.backoffMillis = 0;
      if (s.ready.isDone()) {
        s.ready = new CompletableFuture<>();
      }
    }
    if (!p.preStart().isEmpty()) {
      onChange.run(); // the steps may take a while: say so (without steps, STARTING follows now)
    }
    long started = System.nanoTime();
    for (PreStartStep step : p.preStart()) {
      synchronized (this) {
        if (shuttingDown || !s.desired || generation != s.generation) {
          return;
        }
      }
      LastLine last = new LastLine();
      int code = runToCompletion(s, step, last);
      if (code != 0) {
        crashed(
            s,
            generation,
            code,
            started,
            "pre-start step " + step.name() + " failed with exit status " + code,
            step.name(),
            last.get());
        return;
      }
    }
    Process process;
    try {
      process = ChildCommand.of(p, p.argv()).start();
    } catch (IOException e) {
      crashed(s, generation, -1, started, "could not start: " + FileErrors.describe(e), null, null);
      return;
    }
    synchronized (this) {
      if (shuttingDown
          || !s.desired
          || generation != s.generation
          || (s.process != null && s.process.isAlive())) {
        ProcessGroups.terminate(process.pid(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        return;
      }
      s.process = process;
      s.startedNanos = System.nanoTime();
      s.state = ProcessState.STARTING;
      s.livenessFailures = 0;
      s.unresponsive = false;
    }
    LastLine last = new LastLine();
    Thread output = pump(p.name(), process, last);
    log("started " + p.name() + " (pid " + process.pid() + ")");
    onChange.run();
    process
        .onExit()
        .thenAccept(
            ended -> {
              // What it forked outlives it in its group (an nginx worker keeps the port): gone.
              ProcessGroups.kill(ended.pid());
              awaitOutput(output);
              crashed(s, generation, ended.exitValue(), s.startedNanos, null, null, last.get());
            });
    pollReadiness(s, generation);
  }

  private void pollReadiness(Supervised s, int generation) {
    scheduler.schedule(
        () -> {
          synchronized (this) {
            if (generation != s.generation || s.state != ProcessState.STARTING) {
              return;
            }
          }
          if (ReadinessProbe.passes(s.plan.readiness())) {
            synchronized (this) {
              if (generation != s.generation || s.state != ProcessState.STARTING) {
                return;
              }
              s.state = ProcessState.READY;
              s.failedStep = null;
              s.lastError = null;
              s.ready.complete(null);
            }
            log(s.plan.name() + " is ready");
            onChange.run();
            checkLiveness(s, generation);
          } else {
            pollReadiness(s, generation);
          }
        },
        200,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Checks a ready process's liveness every {@link #LIVENESS_PERIOD_MILLIS}; after {@link
   * #LIVENESS_FAILURES} failures in a row it is reported UNRESPONSIVE and stopped (SIGTERM, then
   * SIGKILL), and its end is handled as a crash: restarted with backoff.
   */
  private void checkLiveness(Supervised s, int generation) {
    scheduler.schedule(
        () -> {
          synchronized (this) {
            if (generation != s.generation || s.state != ProcessState.READY) {
              return;
            }
          }
          boolean alive = ReadinessProbe.passes(s.plan.liveness(), LIVENESS_TIMEOUT_MILLIS);
          Process unresponsive = null;
          synchronized (this) {
            if (generation != s.generation || s.state != ProcessState.READY) {
              return;
            }
            if (alive) {
              s.livenessFailures = 0;
            } else if (++s.livenessFailures >= LIVENESS_FAILURES) {
              s.state = ProcessState.UNRESPONSIVE;
              s.unresponsive = true;
              s.message =
                  "did not answer its liveness check ("
                      + describe(s.plan.liveness())
                      + ") "
                      + s.livenessFailures
                      + " times in a row; stopping it to restart it";
              unresponsive = s.process;
            }
          }
          if (unresponsive == null) {
            checkLiveness(s, generation);
            return;
          }
          log("ERROR: " + s.plan.name() + " " + s.message);
          onChange.run();
          long pid = unresponsive.pid();
          launcher.execute(
              () ->
                  ProcessGroups.terminate(
                      pid,
                      System.nanoTime()
                          + TimeUnit.MILLISECONDS.toNanos(UNRESPONSIVE_GRACE_MILLIS)));
        },
        LIVENESS_PERIOD_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private static String describe(ReadinessCheck check) {
    return check.kind() == ReadinessCheck.Kind.HTTP
        ? "GET " + check.path() + " on port " + check.port()
        : "TCP port " + check.port();
  }

  /**
   * Records an unexpected end and schedules the restart with backoff.
   *
   * @param why what failed, or null for a process that exited
   * @param failedStep the pre-start step that failed, or null
   * @param lastError the last line the step or process printed, or null
   */
  private void crashed(
      Supervised s,
      int generation,
      int code,
      long startedNanos,
      String why,
      String failedStep,
      String lastError) {
    long delay;
    synchronized (this) {
      if (generation != s.generation || !s.desired || shuttingDown) {
        return; // stopped on purpose, or an older run
      }
      s.generation++;
      s.process = null;
      s.lastExit = code;
      s.failedStep = failedStep;
      s.lastError = lastError;
      long ranMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
      s.consecutiveFailures = ranMillis >= STABLE_MILLIS ? 1 : s.consecutiveFailures + 1;
      delay =
          Math.min(
              MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(20, s.consecutiveFailures - 1));
      s.backoffMillis = delay;
      s.restarts++;
      s.state =
          s.consecutiveFailures >= CRASH_LOOP_AFTER
              ? ProcessState.CRASH_LOOP
              : ProcessState.BACKOFF;
      // Dependents waiting for this one start anyway: the router must answer (with 502) even
      // while Synapse cannot.
      s.ready.complete(null);
      String end =
          s.unresponsive
              ? "was unresponsive and was stopped (exit status " + code + "); "
              : "exited with status " + code + " after " + ranMillis + " ms; ";
      s.unresponsive = false;
      s.message =
          (why != null ? why + "; " : end)
              + (s.state == ProcessState.CRASH_LOOP
                  ? "crash loop: " + s.consecutiveFailures + " failures in a row; "
                  : "")
              + "restarting in "
              + delay
              + " ms";
    }
    log(
        (s.state == ProcessState.CRASH_LOOP ? "ERROR: " : "")
            + s.plan.name()
            + " "
            + s.message
            + (lastError == null ? "" : "; last output: " + lastError));
    onChange.run();
    int next = s.generation;
    scheduler.schedule(
        () -> {
          synchronized (this) {
            if (next != s.generation || !s.desired || shuttingDown) {
              return;
            }
          }
          launcher.execute(() -> launch(s));
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  /** Stops every process in reverse start order, all within the deadline, then SIGKILL. */
  public void stopAll(long deadlineNanos) {
    shuttingDown = true;
    List<Supervised> all;
    synchronized (this) {
      all = new ArrayList<>(processes.values());
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      stop(all.get(i), deadlineNanos);
    }
    scheduler.shutdownNow();
    launcher.shutdownNow();
  }

  private void stop(Supervised s, long deadlineNanos) {
    Process process;
    Process step;
    synchronized (this) {
      s.desired = false;
      s.generation++;
      process = s.process;
      step = s.step;
      s.process = null;
      s.state = ProcessState.STOPPED;
      s.backoffMillis = 0;
    }
    if (step != null) {
      ProcessGroups.terminate(step.pid(), deadlineNanos);
    }
    if (process == null) {
      return;
    }
    // SIGTERM to the whole group (on Linux the leader is among it), SIGKILL at the deadline.
    process.destroy();
    ProcessGroups.terminate(process.pid(), deadlineNanos);
    try {
      if (!process.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        log(s.plan.name() + " did not stop in time; killing it");
        process.destroyForcibly();
        process.waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    s.lastExit = process.isAlive() ? null : process.exitValue();
    log("stopped " + s.plan.name());
    onChange.run();
  }

  /** The status of every supervised process, in start order. */
  public synchronized List<ProcessStatus> status() {
    List<ProcessStatus> list = new ArrayList<>();
    for (Supervised s : processes.values()) {
      Process p = s.process;
      list.add(
          new ProcessStatus(
              s.plan.name(),
              s.state,
              p != null && p.isAlive() ? p.pid() : null,
              s.restarts,
              s.lastExit,
              s.plan.inputsHash(),
              s.backoffMillis,
              s.message,
              s.failedStep,
              s.lastError));
    }
    return list;
  }

  /**
   * Runs a pre-start step in a process group of its own; whatever it leaves running is killed, and
   * a step still running after {@link #STEP_TIMEOUT_MILLIS} is stopped and fails.
   */
  private int runToCompletion(Supervised s, PreStartStep step, LastLine last) {
    PlannedProcess p = s.plan;
    try {
      Process process = ChildCommand.of(p, step.argv()).start();
      synchronized (this) {
        s.step = process;
      }
      try {
        Thread output = pump(p.name() + "/" + step.name(), process, last);
        if (!process.waitFor(STEP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
          ProcessGroups.terminate(process.pid(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
          process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
          last.accept("did not finish within " + STEP_TIMEOUT_MILLIS / 60_000 + " minutes");
          return -1;
        }
        ProcessGroups.kill(process.pid());
        awaitOutput(output);
        return process.exitValue();
      } finally {
        synchronized (this) {
          s.step = null;
        }
      }
    } catch (IOException e) {
      last.accept("could not run " + step.argv().get(0) + ": " + FileErrors.describe(e));
      log(p.name() + ": " + last.get());
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Forwards a child's output, prefixed, and remembers its last line; returns the reader. */
  private Thread pump(String name, Process process, LastLine last) {
    Thread thread =
        new Thread(
            null,
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  last.accept(line);
                  synchronized (out) {
                    out.println(name + " | " + line);
                  }
                }
              } catch (IOException e) {
                // the process ended; nothing more to read
              }
            },
            "output-" + name,
            128 * 1024);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Lets a child's last lines reach the log before its end is reported; bounded, since a grandchild
   * may hold the pipe open.
   */
  private static void awaitOutput(Thread output) {
    try {
      output.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last non-blank line a child printed, without terminal escape sequences. */
  static final class LastLine implements Consumer<String> {
    private static final Pattern ESCAPES = Pattern.compile("\\u001B\\[[0-9;?]*[ -/]*[@-~]");
    private static final int MAX_CHARS = 500;
    private volatile String line;

    @Override
    public void accept(String raw) {
      String clean = ESCAPES.matcher(raw).replaceAll("").strip();
      if (!clean.isEmpty()) {
        line = clean.length() > MAX_CHARS ? clean.substring(0, MAX_CHARS) + "…" : clean;
      }
    }

    String get() {
      return line;
    }
  }

  void log(String line) {
    synchronized (out) {
      out.println("supervisor | " + line);
    }
  }

  @Override
  public void close() {
    stopAll(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /**
   * Stops a process and keeps it stopped, whatever later plans say, until {@link #release}: Synapse
   * while its accounts move to MAS. {@code why} shows in the status.
   */
  public void hold(String name, String why) {
    Supervised s;
    synchronized (this) {
      held.put(name, why);
      s = processes.get(name);
    }
    if (s != null) {
      boolean running = s.process != null && s.process.isAlive();
      stop(s, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
      synchronized (this) {
        s.message = why;
        s.ready.complete(null); // dependents do not wait for it
      }
      if (running) {
        log("stopped " + name + ": " + why);
      }
      onChange.run();
    }
  }

  /** Ends a {@link #hold}: the process starts again with the plan it has. */
  public void release(String name) {
    Supervised s;
    synchronized (this) {
      if (held.remove(name) == null) {
        return;
      }
      s = processes.get(name);
      if (s == null) {
        return;
      }
      s.desired = true;
      s.consecutiveFailures = 0;
      s.message = null;
      if (s.ready.isDone()) {
        s.ready = new CompletableFuture<>();
      }
    }
    launcher.execute(() -> launch(s));
  }

  /** The plan a supervised process runs with, or null when it is not supervised. */
  public synchronized PlannedProcess planned(String name) {
    Supervised s = processes.get(name);
    return s == null ? null : s.plan;
  }

  /** Whether the process is running and has passed its readiness check. */
  public synchronized boolean isReady(String name) {
    Supervised s = processes.get(name);
    return s != null && s.state == ProcessState.READY;
  }

  /** Names of the processes currently supervised. */
  public synchronized Collection<String> names() {
    return List.copyOf(processes.keySet());
  }

  private static final class Supervised {
    PlannedProcess plan;
    Process process;
    ProcessState state = ProcessState.STOPPED;
    int restarts;
    int consecutiveFailures;
    Integer lastExit;
    long startedNanos;
    long backoffMillis;
    String message;
    String failedStep;
    String lastError;
    Process step;
    int livenessFailures;
    boolean unresponsive;
    boolean desired;
    int generation;
    volatile CompletableFuture<Void> ready = new CompletableFuture<>();

    Supervised(PlannedProcess plan) {
      this.plan = plan;
    }
  }
}
