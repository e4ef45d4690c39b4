package mxstack.standalone.cloudron;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.MigrationPlan;
import mxstack.core.plan.PlannedProcess;
import mxstack.core.plan.PreStartStep;
import mxstack.core.plan.ReadinessCheck;

/**
 * The line format in which the planning step hands its result to the resident supervisor: one
 * keyword and percent-encoded tokens per line. Plain text keeps the resident free of the YAML and
 * JSON libraries the planning step needs, and so small.
 */
final class PlanWire {

  /** What the planning step decided about the spec. */
  enum Outcome {
    /** The spec is valid and applied. */
    VALID,
    /** The spec is invalid; the last valid spec kept on disk was applied instead. */
    FALLBACK,
    /** The spec is invalid and nothing was applied. */
    INVALID
  }

  /**
   * A planning result.
   *
   * @param outcome valid, fallback or invalid
   * @param violations every violation, when not valid
   * @param warnings the plan's warnings
   * @param restart processes to restart although their hash is unchanged (a secret changed)
   * @param processes the planned processes, when applied
   * @param loginCheck the plan's check that someone can log in, or null
   * @param migration the plan's syn2mas steps, or null
   */
  record Result(
      Outcome outcome,
      List<String> violations,
      List<String> warnings,
      List<String> restart,
      List<PlannedProcess> processes,
      PreStartStep loginCheck,
      MigrationPlan migration) {}

  private PlanWire() {}

  static String encode(Result result) {
    StringBuilder out = new StringBuilder();
    line(out, "outcome", result.outcome().name());
    result.violations().forEach(v -> line(out, "violation", v));
    result.warnings().forEach(w -> line(out, "warning", w));
    result.restart().forEach(r -> line(out, "restart", r));
    if (result.loginCheck() != null) {
      step(out, "logincheck", result.loginCheck());
    }
    MigrationPlan m = result.migration();
    if (m != null) {
      line(
          out,
          "migration",
          m.user() == null ? "" : m.user(),
          m.workingDir(),
          m.backupFile(),
          String.valueOf(m.acceptWarnings()));
      for (MigrationPlan.Step step : m.steps()) {
        List<String> tokens = new ArrayList<>(List.of(step.name(), step.program().name()));
        step.env().forEach((k, v) -> tokens.add(k + "=" + v));
        tokens.add("--");
        tokens.addAll(step.argv());
        line(out, "mstep", tokens.toArray(String[]::new));
      }
      m.blockers().forEach(b -> line(out, "mblocker", b));
      m.mappedIdps().forEach(i -> line(out, "midp", i));
    }
    for (PlannedProcess p : result.processes()) {
      line(out, "process", p.name());
      line(out, "argv", p.argv().toArray(String[]::new));
      p.env().forEach((k, v) -> line(out, "env", k, v));
      if (p.user() != null) {
        line(out, "user", p.user());
      }
      line(out, "cwd", p.workingDir());
      p.ports().forEach(port -> line(out, "port", String.valueOf(port)));
      check(out, "ready", p.readiness());
      check(out, "live", p.liveness());
      p.dependsOn().forEach(d -> line(out, "dep", d));
      p.preStart().forEach(step -> step(out, "pre", step));
      p.inputFiles().forEach(f -> line(out, "input", f));
      p.secretFiles().forEach(f -> line(out, "secret", f));
      if (p.reloadSignal() != null) {
        line(out, "reload", p.reloadSignal());
      }
      line(out, "hash", p.inputsHash());
      line(out, "end");
    }
    return out.toString();
  }

  static Result decode(String text) {
    Outcome outcome = Outcome.INVALID;
    List<String> violations = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    List<PlannedProcess> processes = new ArrayList<>();
    PreStartStep loginCheck = null;
    List<String> migrationHead = null;
    List<MigrationPlan.Step> migrationSteps = new ArrayList<>();
    List<String> blockers = new ArrayList<>();
    List<String> idps = new ArrayList<>();
    Builder p = null;
    for (String raw : text.split("\n")) {
      if (raw.isBlank()) {
        continue;
      }
      String[] parts = raw.split(" ", -1);
      List<String> args = new ArrayList<>();
      for (int i = 1; i < parts.length; i++) {
        args.add(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
      }
      String first = args.isEmpty() ? null : args.get(0);
      switch (parts[0]) {
        case "outcome" -> outcome = Outcome.valueOf(first);
        case "violation" -> violations.add(first);
        case "warning" -> warnings.add(first);
        case "restart" -> restart.add(first);
        case "process" -> p = new Builder(first);
        case "argv" -> p.argv = args;
        case "env" -> p.env.put(args.get(0), args.get(1));
        case "user" -> p.user = first;
        case "cwd" -> p.cwd = first;
        case "port" -> p.ports.add(Integer.parseInt(first));
        case "ready" -> p.ready = check(args);
        case "live" -> p.live = check(args);
        case "dep" -> p.deps.add(first);
        case "pre" -> p.pre.add(step(args));
        case "logincheck" -> loginCheck = step(args);
        case "migration" -> {
          migrationHead = args;
          migrationSteps.clear();
        }
        case "mstep" -> {
          int dash = args.indexOf("--");
          Map<String, String> env = new LinkedHashMap<>();
          for (String kv : args.subList(2, dash)) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
          }
          migrationSteps.add(
              new MigrationPlan.Step(
                  args.get(0),
                  PreStartStep.Program.valueOf(args.get(1)),
                  args.subList(dash + 1, args.size()),
                  env));
        }
        case "mblocker" -> blockers.add(first);
        case "midp" -> idps.add(first);
        case "input" -> p.inputs.add(first);
        case "secret" -> p.secrets.add(first);
        case "reload" -> p.reload = first;
        case "hash" -> p.hash = first;
        case "end" -> {
          processes.add(p.build());
          p = null;
        }
        default -> throw new IllegalArgumentException("unknown plan line: " + parts[0]);
      }
    }
    MigrationPlan migration =
        migrationHead == null
            ? null
            : new MigrationPlan(
                migrationHead.get(0).isEmpty() ? null : migrationHead.get(0),
                migrationHead.get(1),
                migrationSteps,
                migrationHead.get(2),
                blockers,
                idps,
                Boolean.parseBoolean(migrationHead.get(3)));
    return new Result(outcome, violations, warnings, restart, processes, loginCheck, migration);
  }

  private static void step(StringBuilder out, String key, PreStartStep step) {
    List<String> tokens = new ArrayList<>(List.of(step.name(), step.program().name()));
    tokens.addAll(step.argv());
    line(out, key, tokens.toArray(String[]::new));
  }

  private static PreStartStep step(List<String> args) {
    return new PreStartStep(
        args.get(0), PreStartStep.Program.valueOf(args.get(1)), args.subList(2, args.size()));
  }

  private static void check(StringBuilder out, String key, ReadinessCheck c) {
    line(
        out,
        key,
        c.kind().name(),
        c.host(),
        String.valueOf(c.port()),
        c.path() == null ? "" : c.path());
  }

  private static ReadinessCheck check(List<String> args) {
    return new ReadinessCheck(
        ReadinessCheck.Kind.valueOf(args.get(0)),
        args.get(1),
        Integer.parseInt(args.get(2)),
        args.get(3).isEmpty() ? null : args.get(3));
  }

  static void line(StringBuilder out, String key, String... tokens) {
    out.append(key);
    for (String token : tokens) {
      out.append(' ').append(URLEncoder.encode(token, StandardCharsets.UTF_8));
    }
    out.append('\n');
  }

  private static final class Builder {
    final String name;
    List<String> argv = List.of();
    final Map<String, String> env = new LinkedHashMap<>();
    String user;
    String cwd;
    final List<Integer> ports = new ArrayList<>();
    ReadinessCheck ready;
    ReadinessCheck live;
    final List<String> deps = new ArrayList<>();
    final List<PreStartStep> pre = new ArrayList<>();
    final List<String> inputs = new ArrayList<>();
    final List<String> secrets = new ArrayList<>();
    String reload;
    String hash;

    Builder(String name) {
      this.name = name;
    }

    PlannedProcess build() {
      return new PlannedProcess(
          name,
          List.copyOf(argv),
          Map.copyOf(env),
          user,
          cwd,
          List.copyOf(ports),
          ready,
          live,
          List.copyOf(deps),
          List.copyOf(pre),
          List.copyOf(inputs),
          List.copyOf(secrets),
          reload,
          hash);
    }
  }
}
