package mxstack.core.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.yaml.YamlTrees;

/** A readable YAML account of a plan's processes and secrets; never holds a secret value. */
public final class PlanSummary {

  private PlanSummary() {}

  /** The summary as YAML text. */
  public static String toYaml(DesiredState plan) {
    Map<String, Object> tree = new LinkedHashMap<>();
    List<Object> processes = new ArrayList<>();
    for (PlannedProcess p : plan.processes()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", p.name());
      entry.put("argv", p.argv());
      if (!p.env().isEmpty()) {
        entry.put("env", new TreeMap<>(p.env()));
      }
      entry.put("user", p.user());
      entry.put("workingDir", p.workingDir());
      entry.put("ports", p.ports());
      entry.put("readiness", describe(p.readiness()));
      entry.put("liveness", describe(p.liveness()));
      entry.put("dependsOn", p.dependsOn());
      List<Object> steps = new ArrayList<>();
      for (PreStartStep step : p.preStart()) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", step.name());
        s.put("program", step.program().name());
        s.put("argv", step.argv());
        steps.add(s);
      }
      entry.put("preStart", steps);
      entry.put("inputFiles", p.inputFiles());
      entry.put("secretFiles", p.secretFiles());
      if (p.reloadSignal() != null) {
        entry.put("reloadSignal", p.reloadSignal());
      }
      entry.put("inputsHash", p.inputsHash());
      processes.add(entry);
    }
    tree.put("processes", processes);
    MigrationPlan migration = plan.migration();
    if (migration != null) {
      Map<String, Object> m = new LinkedHashMap<>();
      List<Object> steps = new ArrayList<>();
      for (MigrationPlan.Step step : migration.steps()) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", step.name());
        s.put("program", step.program().name());
        s.put("argv", step.argv());
        s.put("env", new TreeMap<>(step.env()));
        steps.add(s);
      }
      m.put("user", migration.user());
      m.put("workingDir", migration.workingDir());
      m.put("steps", steps);
      m.put("backupFile", migration.backupFile());
      m.put("blockers", migration.blockers());
      m.put("mappedIdps", migration.mappedIdps());
      m.put("acceptWarnings", migration.acceptWarnings());
      tree.put("migration", m);
    }
    List<Object> generated = new ArrayList<>();
    plan.secrets().forEach(s -> generated.add(entry("name", s.name(), "format", s.format())));
    tree.put("generatedSecrets", generated);
    List<Object> user = new ArrayList<>();
    plan.userSecrets().forEach(u -> user.add(entry("field", u.field(), "path", u.path())));
    tree.put("userSecrets", user);
    List<Object> derived = new ArrayList<>();
    plan.derivedSecrets().forEach(d -> derived.add(entry("name", d.name(), "format", d.format())));
    tree.put("derivedSecrets", derived);
    tree.put("warnings", plan.warnings());
    return YamlTrees.dump(tree, "What the plan runs; secret values are never written here.");
  }

  private static String describe(ReadinessCheck check) {
    return check.kind()
        + " "
        + check.host()
        + ":"
        + check.port()
        + (check.path() == null ? "" : check.path());
  }

  private static Map<String, Object> entry(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(k1, String.valueOf(v1));
    map.put(k2, String.valueOf(v2));
    return map;
  }
}
