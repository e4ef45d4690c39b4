package mxstack.standalone.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code matrixctl doctor --json} run against a {@link SupervisorRun}, inside its simulated
 * container (the run's environment), with the results by check name.
 */
record DoctorRun(int exitCode, String output, JsonNode report) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static DoctorRun of(SupervisorRun run, String... extraArgs) throws Exception {
    String[] args = new String[extraArgs.length + 2];
    args[0] = "doctor";
    args[1] = "--json";
    System.arraycopy(extraArgs, 0, args, 2, extraArgs.length);
    LocalStack.ProcessResult result = run.matrixctl(args);
    JsonNode report;
    try {
      report = JSON.readTree(result.output());
    } catch (java.io.IOException e) {
      throw new AssertionError("doctor printed no JSON:\n" + result.output(), e);
    }
    return new DoctorRun(result.exitCode(), result.output(), report);
  }

  /** Each check's status (PASS, WARN, FAIL), in the order printed. */
  Map<String, String> statuses() {
    Map<String, String> map = new LinkedHashMap<>();
    report.path("checks").forEach(c -> map.put(c.path("name").asText(), c.path("status").asText()));
    return map;
  }

  JsonNode check(String name) {
    for (JsonNode c : report.path("checks")) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in\n" + output);
  }

  String seen(String name) {
    return check(name).path("seen").asText();
  }

  String hint(String name) {
    return check(name).path("hint").asText();
  }
}
