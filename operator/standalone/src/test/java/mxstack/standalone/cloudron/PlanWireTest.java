package mxstack.standalone.cloudron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import mxstack.core.plan.DesiredState;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.validation.SpecReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the planning step hands over is exactly what the resident supervisor runs. */
class PlanWireTest {

  @TempDir Path dir;

  @Test
  void everyPlannedProcessSurvivesTheTrip() throws Exception {
    for (String name :
        List.of("minimal", "mas-upstream-oidc", "legacy-auth", "heavy-additional-config")) {
      String yaml =
          Files.readString(Path.of("../core/src/test/resources/golden", name, "spec.yaml"));
      DesiredState plan =
          Planner.plan(
              SpecReader.load(yaml).spec(), SecretPaths.of(Target.cloudron()), Target.cloudron());
      PlanWire.Result sent =
          new PlanWire.Result(
              PlanWire.Outcome.FALLBACK,
              List.of("spec.x: bad \"value\"\nwith a newline", "spec.y: ünïcode % + & ="),
              plan.warnings(),
              List.of("synapse"),
              plan.processes(),
              plan.loginCheck(),
              plan.migration());
      assertEquals(sent, PlanWire.decode(PlanWire.encode(sent)), name);
    }
  }

  @Test
  void theHandWrittenStatusReadsBackAsJson() throws Exception {
    String json =
        StatusJson.render(
            "2026-01-01T00:00:00Z",
            "/app/data/matrix.yaml",
            false,
            List.of("spec.a: \"quoted\" \\ back\tslash\u0001"),
            List.of(),
            "/run/mxstack/config: No space left on device",
            new MigrationRunner.Status("checked", "dry-run", null, null),
            false,
            List.of(
                new ProcessStatus(
                    "synapse", ProcessState.READY, 42L, 1, 137, "abc", 0, null, null, null),
                new ProcessStatus(
                    "mas",
                    ProcessState.CRASH_LOOP,
                    null,
                    0,
                    1,
                    "def",
                    0,
                    "x",
                    "migrate",
                    "0: relation \"public._sqlx_migrations\" does not exist")));
    Path file = dir.resolve("status.json");
    Files.writeString(file, json);
    Files.setLastModifiedTime(file, FileTime.fromMillis(0));
    SupervisorStatus status = SupervisorStatus.read(file);
    assertEquals(List.of("spec.a: \"quoted\" \\ back\tslash\u0001"), status.violations());
    assertEquals(ProcessState.READY, status.processes().get(0).state());
    assertEquals(42L, status.processes().get(0).pid());
    assertEquals(137, status.processes().get(0).lastExit());
    assertEquals(null, status.processes().get(1).pid());
    assertEquals("x", status.processes().get(1).message());
    assertEquals("/run/mxstack/config: No space left on device", status.applyError());
    assertEquals(
        new SupervisorStatus.Migration("checked", "dry-run", null, null), status.migration());
    assertEquals("migrate", status.processes().get(1).failedStep());
    assertEquals(
        "0: relation \"public._sqlx_migrations\" does not exist",
        status.processes().get(1).lastError());
  }
}
