package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.ProcessStatus;
import mxstack.standalone.cloudron.SupervisorStatus;
import mxstack.standalone.secrets.SearchableSecrets;
import org.junit.jupiter.api.Test;

/**
 * The Cloudron-mode supervisor, run as the container runs it (a separate JVM from the packaged jar)
 * with real PostgreSQL, Synapse and nginx. MAS is not installed here: the supervisor must say so
 * and run the rest.
 */
class CloudronSupervisorIT {

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void coldStartServesSynapseThroughNginxAndKeepsSecretsAcrossRestarts() throws Exception {
    try (SupervisorRun run = new SupervisorRun("cold")) {
      Map<String, byte[]> firstSecrets = null;
      for (int i = 1; i <= 3; i++) {
        run.start();
        SupervisorStatus status = run.awaitReady("synapse", "router");
        HttpResponse<String> versions = get(run.url("/_matrix/client/versions"));
        assertEquals(200, versions.statusCode(), versions.body());
        assertTrue(versions.body().contains("\"versions\""));
        assertEquals("OK", get(run.url("/health")).body());
        assertTrue(status.specValid());
        if (System.getenv("MAS_HOME") == null) {
          assertFalse(status.masAvailable());
          ProcessStatus mas =
              status.processes().stream()
                  .filter(p -> p.name().equals("mas"))
                  .findFirst()
                  .orElseThrow();
          assertEquals(ProcessState.UNAVAILABLE, mas.state());
          assertTrue(
              run.output().contains("MAS is not installed"), "the supervisor says so at start");
        }
        if (i == 1) {
          LocalStack.ProcessResult printed = run.matrixctl("status");
          assertEquals(0, printed.exitCode(), printed.output());
          assertTrue(printed.output().contains("synapse  READY"), printed.output());
          LocalStack.ProcessResult json = run.matrixctl("status", "--json");
          assertTrue(json.output().contains("\"specValid\": true"), json.output());
          LocalStack.ProcessResult effective = run.matrixctl("spec", "--effective");
          assertEquals(0, effective.exitCode(), effective.output());
          assertTrue(effective.output().contains("serverName: sup.test"), effective.output());
          assertFalse(
              effective.output().contains(run.rolePassword),
              "no secret value in the effective spec");
        }
        Map<String, byte[]> secrets = secrets(run.data.resolve("secrets"));
        assertEquals(7, secrets.size(), secrets.keySet().toString());
        if (firstSecrets == null) {
          firstSecrets = secrets;
        } else {
          assertEquals(firstSecrets.keySet(), secrets.keySet());
          for (String name : secrets.keySet()) {
            assertArrayEquals(
                firstSecrets.get(name), secrets.get(name), name + " changed on restart " + i);
          }
        }
        assertEquals(0, run.terminate(), "exit status after SIGTERM");
      }
      assertTrue(
          Files.exists(run.data.resolve("matrix.yaml")), "matrix.yaml created on first start");
      String output = run.output();
      List<String> values = new ArrayList<>(SearchableSecrets.of(firstSecrets.values()));
      values.add(run.rolePassword);
      for (String value : values) {
        assertFalse(output.contains(value), "a secret value appears in the output");
      }
    }
  }

  @Test
  void sigtermStopsEveryChildWithinTenSecondsAndExitsZero() throws Exception {
    try (SupervisorRun run = new SupervisorRun("sigterm")) {
      run.start();
      SupervisorStatus status = run.awaitReady("synapse", "router");
      List<ProcessHandle> children = new ArrayList<>();
      for (ProcessStatus p : status.processes()) {
        if (p.pid() != null) {
          ProcessHandle handle = ProcessHandle.of(p.pid()).orElseThrow();
          children.add(handle);
          children.addAll(handle.descendants().toList());
        }
      }
      assertTrue(children.size() >= 3, "synapse, the nginx master and its worker");
      long started = System.nanoTime();
      assertEquals(0, run.terminate());
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMillis < 10_000, "took " + tookMillis + " ms");
      for (ProcessHandle child : children) {
        assertFalse(running(child), "left behind: " + child.info().commandLine().orElse("?"));
      }
      assertTrue(run.output().contains("stopped router"));
      String out = run.output();
      assertTrue(
          out.indexOf("stopped router") < out.indexOf("stopped synapse"),
          "stopped in reverse order");
    }
  }

  @Test
  void sigtermLeavesNoProcessOfTheTreeBehindEvenAStepThatHangs() throws Exception {
    try (SupervisorRun run = new SupervisorRun("sigtermstep")) {
      // MAS's prepare-schema step waits on the lock another MAS would hold while it prepares.
      Path mas = Files.createDirectories(run.base.resolve("mas-stand-in/share")).getParent();
      Path cli = mas.resolve("mas-cli");
      // Stand-in for MAS (CI has none): the step that hangs is the real psql one, before it.
      Files.writeString(cli, "#!/bin/sh\nexit 99\n");
      Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
      run.env.put("MAS_HOME", mas.toString());
      try (var lock = run.holdAdvisoryLock("mxstack: prepare MAS schema")) {
        run.start();
        SupervisorStatus status =
            run.awaitStatus(
                "synapse and the router ready, MAS preparing",
                s ->
                    find(s, "synapse").state() == ProcessState.READY
                        && find(s, "router").state() == ProcessState.READY
                        && find(s, "mas").state() == ProcessState.PREPARING,
                Duration.ofSeconds(180));
        List<ProcessHandle> tree = run.process().descendants().toList();
        assertTrue(
            tree.stream().anyMatch(h -> h.info().command().orElse("").endsWith("psql")),
            "the psql step runs: " + describe(tree));
        assertTrue(tree.size() >= 4, "synapse, nginx master and worker, psql: " + describe(tree));
        assertNotNull(status);
        assertEquals(0, run.terminate());
        for (ProcessHandle h : tree) {
          assertFalse(running(h), "left behind: " + h.pid() + " " + h.info().commandLine());
        }
      }
    }
  }

  /**
   * Whether a process still runs: an orphan that has ended stays a zombie until PID 1 reaps it,
   * which here (no tini) may take a while; it holds no port and does nothing.
   */
  static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false; // gone
    }
  }

  static String describe(List<ProcessHandle> tree) {
    return tree.stream()
        .map(h -> h.pid() + " " + h.info().command().orElse("?"))
        .toList()
        .toString();
  }

  @Test
  void crashedChildrenAreRestarted() throws Exception {
    try (SupervisorRun run = new SupervisorRun("crash")) {
      run.start();
      SupervisorStatus ready = run.awaitReady("synapse", "router");
      long synapsePid = pid(ready, "synapse");
      new ProcessBuilder("kill", "-KILL", String.valueOf(synapsePid)).start().waitFor();
      SupervisorStatus after =
          run.awaitStatus(
              "synapse restarted and ready",
              s ->
                  s.processes().stream()
                      .anyMatch(
                          p ->
                              p.name().equals("synapse")
                                  && p.state() == ProcessState.READY
                                  && p.pid() != null
                                  && p.pid() != synapsePid),
              Duration.ofSeconds(120));
      ProcessStatus synapse = find(after, "synapse");
      assertEquals(1, synapse.restarts());
      assertEquals(137, synapse.lastExit(), "killed by SIGKILL");
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());

      // SIGKILL to the nginx master orphans its worker, which keeps the port: the supervisor
      // must clear the router's whole process group before it starts a new master.
      long routerPid = pid(after, "router");
      List<ProcessHandle> workers = ProcessHandle.of(routerPid).orElseThrow().children().toList();
      assertFalse(workers.isEmpty(), "nginx has a worker");
      new ProcessBuilder("kill", "-KILL", String.valueOf(routerPid)).start().waitFor();
      SupervisorStatus routerBack =
          run.awaitStatus(
              "router restarted",
              s ->
                  s.processes().stream()
                      .anyMatch(
                          p ->
                              p.name().equals("router")
                                  && p.state() == ProcessState.READY
                                  && p.pid() != null
                                  && p.pid() != routerPid),
              Duration.ofSeconds(60));
      assertEquals(1, find(routerBack, "router").restarts());
      for (ProcessHandle worker : workers) {
        assertFalse(running(worker), "the old nginx worker " + worker.pid() + " is left");
      }
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
    }
  }

  @Test
  void aStoppedSynapseIsFoundUnresponsiveAndRestarted() throws Exception {
    try (SupervisorRun run = new SupervisorRun("hung")) {
      run.start();
      long synapsePid = pid(run.awaitReady("synapse", "router"), "synapse");
      new ProcessBuilder("kill", "-STOP", String.valueOf(synapsePid)).start().waitFor();
      // Through the router, a request to a hung Synapse is answered (504 when nginx gives up
      // first, 502 when the supervisor has stopped Synapse first), not left open for minutes.
      var hung =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(run.url("/_matrix/client/versions")))
                  .timeout(Duration.ofSeconds(300))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      run.awaitStatus(
          "synapse reported unresponsive",
          s -> find(s, "synapse").state() == ProcessState.UNRESPONSIVE,
          Duration.ofSeconds(180));
      SupervisorStatus back =
          run.awaitStatus(
              "synapse restarted and ready",
              s -> {
                ProcessStatus p = find(s, "synapse");
                return p.state() == ProcessState.READY && p.pid() != null && p.pid() != synapsePid;
              },
              Duration.ofSeconds(180));
      assertFalse(ProcessHandle.of(synapsePid).map(CloudronSupervisorIT::running).orElse(false));
      assertEquals(137, find(back, "synapse").lastExit(), "SIGKILL after SIGTERM went unheard");
      HttpResponse<String> answer = hung.get(120, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(
          List.of(502, 504).contains(answer.statusCode()), answer.statusCode() + answer.body());
      assertTrue(
          run.output().contains("synapse did not answer its liveness check (GET /health"),
          run.output());
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
    }
  }

  @Test
  void aStoppedRouterIsFoundUnresponsiveAndRestarted() throws Exception {
    try (SupervisorRun run = new SupervisorRun("hungrouter")) {
      run.start();
      long routerPid = pid(run.awaitReady("synapse", "router"), "router");
      new ProcessBuilder("kill", "-STOP", String.valueOf(routerPid)).start().waitFor();
      for (ProcessHandle worker : ProcessHandle.of(routerPid).orElseThrow().children().toList()) {
        new ProcessBuilder("kill", "-STOP", String.valueOf(worker.pid())).start().waitFor();
      }
      run.awaitStatus(
          "router restarted and ready",
          s -> {
            ProcessStatus p = find(s, "router");
            return p.state() == ProcessState.READY && p.pid() != null && p.pid() != routerPid;
          },
          Duration.ofSeconds(180));
      assertTrue(
          run.output().contains("router did not answer its liveness check (GET /_mxstack/live"),
          run.output());
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
    }
  }

  @Test
  void repeatedCrashesAreReportedAsACrashLoopWithGrowingBackoff() throws Exception {
    try (SupervisorRun run = new SupervisorRun("loop")) {
      // A database password Synapse cannot log in with: it exits at every start.
      run.env.put("CLOUDRON_POSTGRESQL_PASSWORD", "wrong-" + run.rolePassword);
      run.start();
      List<Long> backoffs = new ArrayList<>();
      SupervisorStatus looping =
          run.awaitStatus(
              "synapse crash loop",
              s -> {
                ProcessStatus p = find(s, "synapse");
                if (p.backoffMillis() > 0
                    && (backoffs.isEmpty()
                        || backoffs.get(backoffs.size() - 1) != p.backoffMillis())) {
                  backoffs.add(p.backoffMillis());
                }
                return p.state() == ProcessState.CRASH_LOOP;
              },
              Duration.ofSeconds(120));
      ProcessStatus synapse = find(looping, "synapse");
      assertTrue(synapse.message().contains("crash loop"), synapse.message());
      assertTrue(synapse.restarts() >= 4, "restarts: " + synapse.restarts());
      assertTrue(backoffs.size() >= 3, "observed backoffs " + backoffs);
      for (int i = 1; i < backoffs.size(); i++) {
        assertTrue(backoffs.get(i) > backoffs.get(i - 1), "backoff grows: " + backoffs);
      }
      assertTrue(run.output().contains("ERROR: synapse"), "crash loop logged as an error");
      // the router keeps serving (its health answers 502 while Synapse is down)
      assertEquals(ProcessState.READY, find(looping, "router").state());
    }
  }

  @Test
  void aPreStartStepThatKeepsFailingIsNamedInStatusWithItsError() throws Exception {
    try (SupervisorRun run = new SupervisorRun("prestep")) {
      // A schema apalis with rows MAS did not make: MAS's prepare-schema step, the first before
      // MAS starts, refuses it at every try.
      run.sql(
          "CREATE SCHEMA apalis",
          "CREATE TABLE apalis.jobs (id text)",
          "INSERT INTO apalis.jobs VALUES ('a job')");
      // Stand-in for MAS, which CI cannot have: only its presence counts, since the step that
      // fails is the real psql one and runs first, so this mas-cli is never run.
      Path mas = Files.createDirectories(run.base.resolve("mas-stand-in/share"));
      Path cli = mas.resolveSibling("mas-cli");
      Files.writeString(cli, "#!/bin/sh\necho 'the MAS stand-in must not run' >&2\nexit 99\n");
      Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
      run.env.put("MAS_HOME", cli.getParent().toString());
      run.start();
      SupervisorStatus looping =
          run.awaitStatus(
              "mas crash loop",
              s -> find(s, "mas").state() == ProcessState.CRASH_LOOP,
              Duration.ofSeconds(120));
      ProcessStatus p = find(looping, "mas");
      assertEquals("prepare-schema", p.failedStep(), p.toString());
      assertTrue(
          p.lastError() != null && p.lastError().contains("schema apalis holds rows (apalis.jobs)"),
          p.toString());
      assertFalse(run.output().contains("the MAS stand-in must not run"), run.output());

      LocalStack.ProcessResult status = run.matrixctl("status");
      assertEquals(1, status.exitCode(), status.output());
      assertTrue(status.output().contains("failing step: prepare-schema"), status.output());
      assertTrue(
          status.output().contains("last output: ERROR:  schema apalis holds rows (apalis.jobs)"),
          status.output());
      // Synapse and the router are not held up by it.
      assertEquals(
          ProcessState.READY, find(run.awaitReady("synapse", "router"), "synapse").state());
    }
  }

  @Test
  void editsApplyLiveAndInvalidEditsChangeNothing() throws Exception {
    try (SupervisorRun run = new SupervisorRun("edit")) {
      run.start();
      SupervisorStatus ready = run.awaitReady("synapse", "router");
      long synapsePid = pid(ready, "synapse");
      long routerPid = pid(ready, "router");
      String original = run.readSpec();

      // A Synapse setting: only Synapse restarts.
      run.writeSpec(
          original.replace(
              "  homeserver:\n",
              "  homeserver:\n    additionalConfig:\n      presence:\n        enabled: false\n"));
      SupervisorStatus edited =
          run.awaitStatus(
              "synapse restarted with the new config",
              s -> {
                ProcessStatus p = find(s, "synapse");
                return p.state() == ProcessState.READY && p.pid() != null && p.pid() != synapsePid;
              },
              Duration.ofSeconds(120));
      assertEquals(routerPid, pid(edited, "router"), "nginx keeps its PID");
      assertTrue(
          Files.readString(run.run.resolve("config/synapse/homeserver.yaml"))
              .contains("presence:\n  enabled: false"));
      long newSynapsePid = pid(edited, "synapse");

      // An invalid edit: every violation reported with its path, nothing restarts.
      run.writeSpec(
          original.replace(
              "  homeserver:\n",
              "  homeserver:\n    federation:\n      enabled: maybe\n    medai: {}\n"));
      SupervisorStatus invalid =
          run.awaitStatus("the invalid edit reported", s -> !s.specValid(), Duration.ofSeconds(20));
      assertTrue(
          invalid.violations().stream()
              .anyMatch(v -> v.startsWith("spec.homeserver.federation.enabled:")),
          invalid.violations().toString());
      assertTrue(
          invalid.violations().stream()
              .anyMatch(
                  v -> v.contains("spec.homeserver.medai") && v.contains("did you mean 'media'")),
          invalid.violations().toString());
      // The status that reports the violations is written once the edit was refused: nothing
      // was stopped for it.
      SupervisorStatus still = invalid;
      assertEquals(newSynapsePid, pid(still, "synapse"));
      assertEquals(routerPid, pid(still, "router"));
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
      assertTrue(run.output().contains("spec.homeserver.federation.enabled"));

      // The fix applies.
      run.writeSpec(
          original.replace(
              "  homeserver:\n", "  homeserver:\n    federation:\n      enabled: false\n"));
      SupervisorStatus fixed =
          run.awaitStatus(
              "the fix applied",
              s -> {
                ProcessStatus p = find(s, "synapse");
                return s.specValid()
                    && p.state() == ProcessState.READY
                    && p.pid() != null
                    && p.pid() != newSynapsePid;
              },
              Duration.ofSeconds(120));
      assertEquals(List.of(), fixed.violations());
      assertEquals(routerPid, pid(fixed, "router"));
      assertTrue(
          Files.readString(run.run.resolve("config/synapse/homeserver.yaml"))
              .contains("federation_domain_whitelist: []"));
    }
  }

  @Test
  void anInvalidFileAtStartRunsTheLastValidSpec() throws Exception {
    try (SupervisorRun run = new SupervisorRun("badstart")) {
      run.start();
      run.awaitReady("synapse", "router");
      assertEquals(0, run.terminate());
      run.writeSpec(run.readSpec() + "\n  bogusTopLevel: [\n");
      run.start();
      SupervisorStatus status = run.awaitReady("synapse", "router");
      assertFalse(status.specValid());
      assertTrue(
          status.violations().get(0).contains("YAML syntax error"), status.violations().toString());
      assertNotNull(find(status, "synapse").pid());
      assertEquals(0, run.terminate());
    }
  }

  @Test
  void anUnchangedStartUsesTheSavedPlanAndAnyChangedInputPlansAfresh() throws Exception {
    String saved = "starting from the saved plan";
    try (SupervisorRun run = new SupervisorRun("saved")) {
      run.start();
      run.awaitReady("synapse", "router");
      assertEquals(0, run.terminate());
      assertFalse(run.lastOutput().contains(saved), "the first start plans");
      Path cache = run.data.resolve(".mxstack/plan-cache");
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
      String kept = Files.readString(cache);
      assertFalse(kept.contains(run.rolePassword), "the kept plan holds no secret value");
      List<String> generated = SearchableSecrets.inDirectory(run.data.resolve("secrets"));
      assertFalse(generated.isEmpty());
      for (String value : generated) {
        assertFalse(kept.contains(value), "the kept plan holds no generated secret");
      }

      // Cloudron loses /run at every restart: the saved plan puts everything back.
      run.emptyRunDir();
      run.start();
      run.awaitReady("synapse", "router");
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
      assertTrue(run.lastOutput().contains(saved), run.lastOutput());
      assertEquals(0, run.terminate());

      // New database credentials (as after a restore): plan afresh; Synapse logs in with them.
      String password = run.changeDatabasePassword();
      run.start();
      run.awaitReady("synapse", "router");
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());
      assertFalse(run.lastOutput().contains(saved), "a changed variable plans afresh");
      assertFalse(Files.readString(cache).contains(password));
      assertEquals(0, run.terminate());

      // matrix.yaml edited while stopped: plan afresh and apply the edit.
      run.writeSpec(
          run.readSpec()
              .replace(
                  "  homeserver:\n",
                  "  homeserver:\n    additionalConfig:\n      presence:\n        enabled: false\n"));
      run.start();
      run.awaitReady("synapse", "router");
      assertFalse(run.lastOutput().contains(saved), "an edited matrix.yaml plans afresh");
      assertTrue(
          Files.readString(run.run.resolve("config/synapse/homeserver.yaml"))
              .contains("presence:\n  enabled: false"));
      assertEquals(0, run.terminate());

      // and the start after that uses the plan made from the edit
      run.start();
      run.awaitReady("synapse", "router");
      assertTrue(run.lastOutput().contains(saved), run.lastOutput());
      assertTrue(
          Files.readString(run.run.resolve("config/synapse/homeserver.yaml"))
              .contains("presence:\n  enabled: false"));
      assertEquals(0, run.terminate());
    }
  }

  /**
   * In the container the supervisor starts as root and runs its children as "cloudron". Here a
   * system user of the test's own stands in for it: the children run as that user, can read every
   * config and secret they need, and the secrets stay unreadable to others.
   */
  @Test
  void childrenRunAsTheUnprivilegedUserAndReadWhatTheyNeed() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "needs root to run children as another user (as start.sh runs the supervisor)");
    String user = "mxstack-it";
    if (LocalStack.run(List.of("id", "-u", user)).exitCode() != 0) {
      LocalStack.ProcessResult added =
          LocalStack.run(
              List.of(
                  "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user));
      assertEquals(0, added.exitCode(), added.output());
    }
    LocalStack.ProcessResult python =
        LocalStack.run(
            List.of(
                "setpriv",
                "--reuid=" + user,
                "--regid=" + user,
                "--init-groups",
                "--",
                LocalStack.synapsePython(),
                "-c",
                "import synapse"));
    assumeTrue(
        python.exitCode() == 0,
        "the Synapse venv cannot be run by another user (its interpreter lives in a private"
            + " directory); scripts/setup-synapse-venv.sh creates it from /usr/bin/python3: "
            + python.output());
    int uid = Integer.parseInt(LocalStack.run(List.of("id", "-u", user)).output().strip());
    try (SupervisorRun run = new SupervisorRun("user")) {
      run.env.put("MXSTACK_RUN_AS", user);
      // A start that plans, then (with /run emptied, as at a Cloudron restart) one from the saved
      // plan: both hand the files to the user.
      for (String start : List.of("planning", "from the saved plan")) {
        run.start();
        SupervisorStatus status = run.awaitReady("synapse", "router");
        assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode(), start);
        assertEquals(uid, effectiveUid(pid(status, "synapse")), "Synapse runs as " + user);
        assertEquals(uid, effectiveUid(pid(status, "router")), "nginx runs as " + user);
        assertEquals(0, effectiveUid(run.process().pid()), "the supervisor stays root");
        for (String dir : List.of("secrets", "synapse")) {
          assertEquals(user, Files.getOwner(run.data.resolve(dir)).getName(), dir);
        }
        try (Stream<Path> secrets = Files.list(run.data.resolve("secrets"))) {
          for (Path secret : secrets.toList()) {
            assertEquals(user, Files.getOwner(secret).getName(), secret.toString());
            assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)),
                secret.toString());
          }
        }
        assertEquals(0, run.terminate());
        run.emptyRunDir();
      }
      assertTrue(run.lastOutput().contains("starting from the saved plan"), run.lastOutput());
    }
  }

  static int effectiveUid(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("Uid:")) {
        return Integer.parseInt(line.split("\\s+")[2]);
      }
    }
    throw new AssertionError("no Uid line for " + pid);
  }

  static long pid(SupervisorStatus status, String name) {
    Long pid = find(status, name).pid();
    assertNotNull(pid, name + " has no pid");
    return pid;
  }

  static ProcessStatus find(SupervisorStatus status, String name) {
    return status.processes().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no process " + name + " in " + status));
  }

  static Map<String, byte[]> secrets(Path dir) throws Exception {
    Map<String, byte[]> map = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        map.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    assertNotEquals(0, map.size());
    return map;
  }
}
