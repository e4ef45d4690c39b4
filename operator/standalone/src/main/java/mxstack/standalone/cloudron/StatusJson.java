package mxstack.standalone.cloudron;

import java.util.List;

/**
 * Writes the status file's JSON by hand: the resident supervisor does not load a JSON library for
 * one small document. {@link SupervisorStatus} reads it back.
 */
final class StatusJson {

  private StatusJson() {}

  static String render(
      String updated,
      String specFile,
      boolean specValid,
      List<String> violations,
      List<String> warnings,
      String applyError,
      MigrationRunner.Status migration,
      boolean masAvailable,
      List<ProcessStatus> processes) {
    StringBuilder out = new StringBuilder("{\n");
    field(out, "updated", string(updated));
    field(out, "specFile", string(specFile));
    field(out, "specValid", String.valueOf(specValid));
    field(out, "violations", strings(violations));
    field(out, "warnings", strings(warnings));
    field(out, "applyError", string(applyError));
    if (migration != null) {
      field(
          out,
          "migration",
          "{\"state\": "
              + string(migration.state())
              + ", \"step\": "
              + string(migration.step())
              + ", \"failedStep\": "
              + string(migration.failedStep())
              + ", \"error\": "
              + string(migration.error())
              + "}");
    }
    field(out, "masAvailable", String.valueOf(masAvailable));
    out.append("  \"processes\": [");
    for (int i = 0; i < processes.size(); i++) {
      ProcessStatus p = processes.get(i);
      out.append(i == 0 ? "\n" : ",\n")
          .append("    {\"name\": ")
          .append(string(p.name()))
          .append(", \"state\": ")
          .append(string(p.state().name()))
          .append(", \"pid\": ")
          .append(p.pid() == null ? "null" : p.pid().toString())
          .append(", \"restarts\": ")
          .append(p.restarts())
          .append(", \"lastExit\": ")
          .append(p.lastExit() == null ? "null" : p.lastExit().toString())
          .append(", \"inputsHash\": ")
          .append(string(p.inputsHash()))
          .append(", \"backoffMillis\": ")
          .append(p.backoffMillis())
          .append(", \"message\": ")
          .append(string(p.message()))
          .append(", \"failedStep\": ")
          .append(string(p.failedStep()))
          .append(", \"lastError\": ")
          .append(string(p.lastError()))
          .append('}');
    }
    out.append(processes.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
    return out.toString();
  }

  private static void field(StringBuilder out, String name, String json) {
    out.append("  \"").append(name).append("\": ").append(json).append(",\n");
  }

  private static String strings(List<String> values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      out.append(i == 0 ? "" : ", ").append(string(values.get(i)));
    }
    return out.append(']').toString();
  }

  static String string(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
