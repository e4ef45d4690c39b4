package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import mxstack.standalone.cloudron.SupervisorStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * {@code matrixctl doctor} with a real MAS: every check passes, and with MAS gone Synapse's 503 on
 * whoami is named as Synapse unable to reach MAS. Runs only when {@code MAS_HOME} points at an
 * unpacked MAS release, as {@link CloudronMasIT} does.
 */
@EnabledIfEnvironmentVariable(
    named = "MAS_HOME",
    matches = ".+",
    disabledReason =
        "needs a MAS release: set MAS_HOME to the directory holding mas-cli and share/ (MAS is"
            + " not installable from the registries this machine reaches)")
class DoctorMasIT {

  @Test
  void everyCheckPassesWithMasAndAMissingMasIsNamed() throws Exception {
    try (SupervisorRun run = new SupervisorRun("doctormas")) {
      run.start();
      SupervisorStatus ready = run.awaitReady("synapse", "mas", "router");

      DoctorRun healthy = DoctorRun.of(run);
      Map<String, String> allPass = new LinkedHashMap<>();
      DoctorIT.expectedWithoutMas().keySet().forEach(name -> allPass.put(name, "PASS"));
      assertEquals(allPass, healthy.statuses(), healthy.output());
      assertEquals(0, healthy.exitCode(), healthy.output());
      assertTrue(healthy.report().path("ok").asBoolean(), healthy.output());
      assertTrue(
          healthy.seen("login-flows").contains("m.login.sso (oauth_aware_preferred)"),
          healthy.output());
      assertTrue(
          healthy.seen("auth-metadata").endsWith("issuer https://matrix.sup.test/"),
          healthy.output());
      LocalStack.ProcessResult text = run.matrixctl("doctor");
      assertEquals(0, text.exitCode(), text.output());
      assertTrue(text.output().endsWith("10 passed, 0 warned, 0 failed\n"), text.output());

      // MAS gone (the supervisor stopped meanwhile, so that it does not start MAS again at once).
      long supervisor = run.process().pid();
      long mas = CloudronSupervisorIT.pid(ready, "mas");
      SupervisorRun.signal(supervisor, "STOP");
      try {
        SupervisorRun.signal(mas, "KILL");
        int health = Integer.parseInt(run.env.get("MXSTACK_MAS_INTERNAL_PORT"));
        run.awaitCondition("MAS's health port closed", () -> DoctorIT.refuses(health));
        DoctorRun gone = DoctorRun.of(run);
        assertEquals(1, gone.exitCode(), gone.output());
        assertEquals("FAIL", gone.statuses().get("whoami-bogus-token"), gone.output());
        assertTrue(gone.seen("whoami-bogus-token").contains(": 503 "), gone.output());
        assertTrue(
            gone.hint("whoami-bogus-token")
                .startsWith(
                    "Synapse cannot reach MAS at http://127.0.0.1:"
                        + run.env.get("MXSTACK_MAS_PORT")
                        + "/"),
            gone.output());
        assertEquals("FAIL", gone.statuses().get("login-flows"), gone.output());
        assertEquals("FAIL", gone.statuses().get("mas-discovery"), gone.output());
        assertEquals("PASS", gone.statuses().get("mas-shared-secret"), gone.output());
      } finally {
        SupervisorRun.signal(supervisor, "CONT");
      }
    }
  }
}
