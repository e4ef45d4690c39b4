package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.ProcessStatus;
import org.junit.jupiter.api.Test;

/**
 * {@code matrixctl doctor} in the simulated container against the real supervisor, Synapse,
 * PostgreSQL and nginx, with no MAS installed: every check that can pass without MAS passes and the
 * others fail naming MAS; then a shared secret Synapse does not hold, well-known documents no
 * longer served, a hung and a stopped Synapse are each named, with exit status 1.
 */
class DoctorIT {

  static final List<String> PASS_WITHOUT_MAS =
      List.of(
          "well-known-client",
          "well-known-server",
          "client-versions",
          "mas-shared-secret",
          "qr-rendezvous");

  static final List<String> NEED_MAS =
      List.of("auth-metadata", "login-flows", "whoami-bogus-token", "mas-discovery", "mas-health");

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void passesWhatCanPassWithoutMasAndNamesEachFault() throws Exception {
    try (SupervisorRun run = new SupervisorRun("doctor")) {
      // Whatever the machine has: this test is about a deployment without MAS.
      run.env.put("MAS_HOME", run.base.resolve("mas-not-installed").toString());
      run.start();
      run.awaitReady("synapse", "router");

      // 1. Healthy apart from MAS.
      DoctorRun baseline = DoctorRun.of(run);
      assertEquals(expectedWithoutMas(), baseline.statuses(), baseline.output());
      assertEquals(1, baseline.exitCode(), "checks failed, so exit status 1: " + baseline.output());
      assertEquals("https://matrix.sup.test", baseline.report().path("baseUrl").asText());
      assertEquals("sup.test", baseline.report().path("serverName").asText());
      assertTrue(baseline.seen("whoami-bogus-token").contains(": 503 "), baseline.output());
      for (String check : NEED_MAS) {
        assertTrue(
            baseline.hint(check).contains("MAS is not installed here"),
            check + ": " + baseline.hint(check));
      }
      assertTrue(
          baseline
              .hint("whoami-bogus-token")
              .startsWith(
                  "Synapse cannot reach MAS at http://127.0.0.1:"
                      + run.env.get("MXSTACK_MAS_PORT")
                      + "/"),
          baseline.hint("whoami-bogus-token"));
      LocalStack.ProcessResult text = run.matrixctl("doctor");
      assertEquals(1, text.exitCode(), text.output());
      assertTrue(text.output().contains("PASS  mas-shared-secret"), text.output());
      assertTrue(text.output().contains("FAIL  whoami-bogus-token"), text.output());
      assertTrue(text.output().contains("fix: Synapse cannot reach MAS at"), text.output());
      assertTrue(text.output().endsWith("5 passed, 0 warned, 5 failed\n"), text.output());

      // 2. A shared secret Synapse does not hold: it read the file at start, the file changed.
      Path secret = run.data.resolve("secrets/mas-synapse-shared-secret");
      byte[] original = Files.readAllBytes(secret);
      Files.writeString(secret, "not-what-synapse-read-at-start\n");
      DoctorRun wrongSecret = DoctorRun.of(run);
      assertEquals("FAIL", wrongSecret.statuses().get("mas-shared-secret"), wrongSecret.output());
      assertTrue(wrongSecret.seen("mas-shared-secret").contains(": 403 "), wrongSecret.output());
      assertTrue(
          wrongSecret.hint("mas-shared-secret").contains(secret.toString()), wrongSecret.output());
      assertTrue(
          wrongSecret.hint("mas-shared-secret").contains("restart the app"), wrongSecret.output());
      assertEquals(1, wrongSecret.exitCode());
      Files.write(secret, original);
      assertEquals("PASS", DoctorRun.of(run).statuses().get("mas-shared-secret"));

      // 3. The well-known documents switched off: clients given sup.test find nothing.
      String spec = run.readSpec();
      run.writeSpec(spec.replaceFirst("(?m)^spec:\n", "spec:\n  wellKnown:\n    enabled: false\n"));
      run.awaitCondition(
          "the router no longer serving the client well-known",
          () -> get(run.url("/.well-known/matrix/client")).statusCode() != 200,
          Duration.ofSeconds(60));
      DoctorRun noWellKnown = DoctorRun.of(run);
      assertEquals("FAIL", noWellKnown.statuses().get("well-known-client"), noWellKnown.output());
      assertTrue(
          noWellKnown
              .seen("well-known-client")
              .startsWith("GET https://sup.test/.well-known/matrix/client: "),
          noWellKnown.output());
      assertTrue(
          noWellKnown
              .hint("well-known-client")
              .contains("at https://sup.test/.well-known/matrix/client"),
          noWellKnown.output());
      assertTrue(
          noWellKnown.hint("well-known-client").contains("spec.wellKnown"), noWellKnown.output());
      assertFalse(
          noWellKnown.statuses().get("well-known-server").equals("PASS"), noWellKnown.output());
      assertEquals("PASS", noWellKnown.statuses().get("client-versions"), noWellKnown.output());
      assertEquals(1, noWellKnown.exitCode());
      run.writeSpec(spec);
      run.awaitCondition(
          "the client well-known served again",
          () -> get(run.url("/.well-known/matrix/client")).statusCode() == 200,
          Duration.ofSeconds(60));
      assertEquals("PASS", DoctorRun.of(run).statuses().get("well-known-client"));

      // 4. Synapse hung, then gone. The supervisor is stopped meanwhile, so that it does not
      // restart Synapse before the doctor has looked.
      long supervisor = run.process().pid();
      long synapse = CloudronSupervisorIT.pid(run.status(), "synapse");
      int synapsePort = Integer.parseInt(run.env.get("MXSTACK_SYNAPSE_PORT"));
      SupervisorRun.signal(supervisor, "STOP");
      try {
        SupervisorRun.signal(synapse, "STOP");
        long started = System.nanoTime();
        DoctorRun hung = DoctorRun.of(run, "--timeout", "3");
        long tookSeconds = (System.nanoTime() - started) / 1_000_000_000;
        assertEquals("FAIL", hung.statuses().get("client-versions"), hung.output());
        assertTrue(hung.seen("client-versions").contains("within 3 s"), hung.output());
        assertTrue(hung.hint("client-versions").contains("hung or overloaded"), hung.output());
        assertTrue(
            hung.hint("mas-shared-secret")
                .startsWith("Synapse accepted the connection but did not answer"),
            hung.output());
        assertEquals("FAIL", hung.statuses().get("mas-shared-secret"), hung.output());
        assertEquals(
            "PASS", hung.statuses().get("well-known-client"), "nginx serves it: " + hung.output());
        assertEquals(1, hung.exitCode());
        // Requests run at once: a handful of timeouts in a row would take far longer.
        assertTrue(tookSeconds < 60, "took " + tookSeconds + " s");

        SupervisorRun.signal(synapse, "KILL");
        run.awaitCondition(
            "Synapse's port closed", () -> refuses(synapsePort), Duration.ofSeconds(30));
        DoctorRun stopped = DoctorRun.of(run);
        assertEquals("FAIL", stopped.statuses().get("client-versions"), stopped.output());
        assertTrue(stopped.seen("client-versions").endsWith(": 502 Bad Gateway"), stopped.output());
        assertTrue(
            stopped.hint("client-versions").contains("the router answers but cannot reach Synapse"),
            stopped.output());
        assertEquals("FAIL", stopped.statuses().get("mas-shared-secret"), stopped.output());
        assertTrue(
            stopped.seen("mas-shared-secret").contains("connection refused"), stopped.output());
        assertTrue(
            stopped.hint("mas-shared-secret").contains("is Synapse running?"), stopped.output());
        assertEquals("FAIL", stopped.statuses().get("qr-rendezvous"), stopped.output());
        assertEquals("PASS", stopped.statuses().get("well-known-client"), stopped.output());
        assertEquals(1, stopped.exitCode());
      } finally {
        SupervisorRun.signal(supervisor, "CONT");
      }
      run.awaitStatus(
          "synapse restarted",
          s -> {
            ProcessStatus p = CloudronSupervisorIT.find(s, "synapse");
            return p.state() == ProcessState.READY && p.pid() != null && p.pid() != synapse;
          },
          Duration.ofSeconds(120));
      DoctorRun again = DoctorRun.of(run);
      assertEquals(expectedWithoutMas(), again.statuses(), again.output());
    }
  }

  static Map<String, String> expectedWithoutMas() {
    Map<String, String> expected = new LinkedHashMap<>();
    for (String name :
        List.of(
            "well-known-client",
            "well-known-server",
            "client-versions",
            "auth-metadata",
            "login-flows",
            "whoami-bogus-token",
            "mas-shared-secret",
            "mas-discovery",
            "mas-health",
            "qr-rendezvous")) {
      expected.put(name, PASS_WITHOUT_MAS.contains(name) ? "PASS" : "FAIL");
    }
    return expected;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Whether nothing listens on a loopback port any more. */
  static boolean refuses(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
