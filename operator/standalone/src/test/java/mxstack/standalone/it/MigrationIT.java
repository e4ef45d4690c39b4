package mxstack.standalone.it;

import static mxstack.standalone.it.CloudronSupervisorIT.find;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.SupervisorStatus;
import org.junit.jupiter.api.Test;

/**
 * An install of the former Cloudron Synapse package taken over by the supervisor and moved to MAS,
 * on real Synapse, PostgreSQL and nginx. The syn2mas steps need MAS, which CI cannot have: where a
 * test walks the states, a stand-in mas-cli (test resources, mas-stand-in) answers as syn2mas does
 * by exit status, so that the supervisor's own part (what it records, resumes, stops, holds and
 * refuses) is what is tested. The move itself runs on a real MAS in {@code MigrationMasIT}.
 */
class MigrationIT {

  final ObjectMapper json = new ObjectMapper();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aFormerInstallIsTakenOverAndItsUsersKeepLoggingInAsBefore() throws Exception {
    try (SupervisorRun run = new SupervisorRun("takeover")) {
      run.env.putAll(FormerPackageInstall.cloudronOidc("https://127.0.0.1:9"));
      FormerPackageInstall former = FormerPackageInstall.create(run, "");
      byte[] key = Files.readAllBytes(former.signingKey);
      run.start();
      run.awaitReady("synapse", "router");

      String spec = run.readSpec();
      assertTrue(spec.contains("serverName: sup.test"), spec);
      assertTrue(spec.contains("search_all_users: true"), "custom settings imported: " + spec);
      assertTrue(spec.contains("maxUploadSize: 20M"), spec);
      assertTrue(spec.contains("strategy: syn2mas"), spec);
      assertTrue(spec.contains("synapse-password-pepper"), spec);
      assertFalse(spec.contains("enable_registration"), "refused under MAS: " + spec);
      String report = Files.readString(run.data.resolve(".mxstack/adoption-report.txt"));
      assertTrue(report.contains("enable_registration: cannot work with MAS"), report);
      assertTrue(report.contains("presence"), report);
      assertArrayEquals(
          key, Files.readAllBytes(run.data.resolve("secrets/synapse-signing-key")), "same key");
      assertEquals(
          FormerPackageInstall.PEPPER,
          Files.readString(run.data.resolve("secrets/synapse-password-pepper")));
      assertTrue(
          Files.isSameFile(run.data.resolve("synapse/media_store"), former.media),
          "the media store stays where it was");
      assertTrue(
          run.status().warnings().stream()
              .anyMatch(w -> w.startsWith("taken over from the former Synapse package")),
          run.status().warnings().toString());

      // The users log in as before, with their old passwords (the pepper came along), and the
      // room's messages are there.
      String alice = run.passwordLogin("alice", FormerPackageInstall.ALICE_PASSWORD);
      assertTrue(
          messages(run, alice, former.roomId).contains(FormerPackageInstall.MESSAGE),
          "the old messages");

      // Without MAS the move cannot start; the reason is in the status, the logins stay.
      SupervisorStatus stopped =
          run.awaitStatus(
              "the migration stopped for want of MAS",
              s -> s.migration() != null && s.migration().error() != null,
              Duration.ofSeconds(120));
      assertEquals("legacy", stopped.migration().state());
      assertEquals(
          "mas-database", stopped.migration().failedStep(), stopped.migration().toString());
      assertTrue(stopped.migration().error().contains("mas-cli"), stopped.migration().error());
      run.passwordLogin("bob", FormerPackageInstall.BOB_PASSWORD);
      LocalStack.ProcessResult status = run.matrixctl("status");
      assertTrue(status.output().contains("migration to MAS: legacy"), status.output());
    }
  }

  @Test
  void theMoveWalksItsStatesResumesAfterCrashesAndNeverRunsTwice() throws Exception {
    try (SupervisorRun run = new SupervisorRun("states")) {
      run.env.putAll(FormerPackageInstall.cloudronOidc("https://127.0.0.1:9"));
      FormerPackageInstall.create(run, "");
      Path mas = standIn(run);
      // A crash in the middle of the dry run.
      behaviour(mas, "dry-run hang");
      run.start();
      awaitRecord(run, "checked");
      run.awaitCondition("the dry run running", () -> calls(mas).contains("--dry-run"));
      run.crash();

      // A restart resumes from "checked": the check does not run again. Then a crash while
      // syn2mas migrate runs, with Synapse stopped.
      behaviour(mas, "migrate hang");
      run.start();
      awaitRecord(run, "synapse-stopped");
      run.awaitCondition("syn2mas migrate running", () -> syn2mas(mas, "migrate") == 1);
      assertEquals(1, syn2mas(mas, "check"), "resumed without checking again: " + calls(mas));
      SupervisorStatus moving = run.status();
      assertEquals(ProcessState.STOPPED, find(moving, "synapse").state());
      assertTrue(find(moving, "synapse").message().contains("accounts move to MAS"));
      assertTrue(
          Files.size(run.data.resolve("synapse/syn2mas-backup/synapse.dump")) > 0,
          "Synapse's database is backed up before it stops");
      run.crash();

      // A restart in the middle of the move keeps Synapse stopped and finishes it.
      behaviour(mas, "");
      run.start();
      run.awaitStatus(
          "delegated",
          s -> s.migration() != null && s.migration().state().equals("delegated"),
          Duration.ofSeconds(180));
      assertFalse(
          run.lastOutput().contains("started synapse (pid")
              && run.lastOutput().indexOf("started synapse (pid")
                  < run.lastOutput().indexOf("migration to MAS: migrated"),
          "Synapse was not started before the move finished:\n" + run.lastOutput());
      String homeserver = Files.readString(run.run.resolve("config/synapse/homeserver.yaml"));
      assertTrue(homeserver.contains("matrix_authentication_service:"), homeserver);
      assertEquals(200, get(run.url("/_matrix/client/versions")).statusCode());

      // Never again: a restart runs no syn2mas step, and legacy mode is refused with the reason.
      int before = calls(mas).split("\n").length;
      assertEquals(0, run.terminate());
      run.start();
      run.awaitReady("synapse", "mas", "router");
      assertEquals(
          List.of(),
          List.of(calls(mas).split("\n")).subList(before, calls(mas).split("\n").length).stream()
              .filter(l -> l.contains("syn2mas"))
              .toList());
      run.writeSpec(run.readSpec().replace("  auth:\n", "  auth:\n    mode: legacy\n"));
      SupervisorStatus refused =
          run.awaitStatus("legacy refused", s -> !s.specValid(), Duration.ofSeconds(30));
      assertTrue(
          refused.violations().stream()
              .anyMatch(v -> v.startsWith("spec.auth.mode:") && v.contains("moved to MAS")),
          refused.violations().toString());
    }
  }

  @Test
  void aMoveThatCompletedBeforeACrashIsRecordedWithoutRunningSyn2masAgain() throws Exception {
    try (SupervisorRun run = new SupervisorRun("done")) {
      run.env.putAll(FormerPackageInstall.cloudronOidc("https://127.0.0.1:9"));
      FormerPackageInstall.create(run, "");
      Path mas = standIn(run);
      behaviour(mas, "dry-run hang");
      run.start();
      awaitRecord(run, "checked");
      run.crash();
      // As a crash right after syn2mas migrate finished leaves it: Synapse stopped on record,
      // MAS's tables filled, syn2mas's resumption tables gone. A second run would be refused.
      Files.writeString(run.data.resolve(".mxstack/migration"), "state synapse-stopped\n");
      run.sql(
          "CREATE TABLE mas.users (user_id uuid PRIMARY KEY, username text)",
          "INSERT INTO mas.users VALUES ('00000000-0000-0000-0000-000000000001', 'alice')");
      behaviour(mas, "migrate 1");
      run.start();
      run.awaitStatus(
          "delegated",
          s -> s.migration() != null && s.migration().state().equals("delegated"),
          Duration.ofSeconds(180));
      assertEquals(0, syn2mas(mas, "migrate"), "syn2mas migrate did not run again");
    }
  }

  @Test
  void aFailedMoveLeavesSynapseWithItsOwnLogins() throws Exception {
    try (SupervisorRun run = new SupervisorRun("failmove")) {
      run.env.putAll(FormerPackageInstall.cloudronOidc("https://127.0.0.1:9"));
      FormerPackageInstall.create(run, "");
      Path mas = standIn(run);
      behaviour(mas, "migrate 1");
      run.start();
      SupervisorStatus failed =
          run.awaitStatus(
              "the move failed",
              s -> s.migration() != null && "migrate".equals(s.migration().failedStep()),
              Duration.ofSeconds(180));
      assertEquals("dry-run-passed", failed.migration().state());
      run.awaitReady("synapse", "router");
      run.passwordLogin("alice", FormerPackageInstall.ALICE_PASSWORD);
      assertTrue(run.output().contains("migration to MAS stopped at migrate"), "said in the log");
    }
  }

  @Test
  void eachPreconditionStopsTheMoveWithWhatToChangeAndChangesNothing() throws Exception {
    try (SupervisorRun run = new SupervisorRun("preconditions")) {
      run.env.putAll(FormerPackageInstall.cloudronOidc("https://127.0.0.1:9"));
      FormerPackageInstall.create(run, "");
      // A user linked to a provider no upstream provider maps.
      run.sql(
          "INSERT INTO user_external_ids (auth_provider, external_id, user_id)"
              + " VALUES ('oidc-github', 'gh-1', '@bob:sup.test')");
      Path mas = standIn(run);
      behaviour(mas, "check 11");
      run.start();
      long synapsePid = CloudronSupervisorIT.pid(run.awaitReady("synapse", "router"), "synapse");
      SupervisorStatus unmapped = awaitFailure(run, "external-ids");
      assertTrue(
          unmapped.migration().error().contains("oidc-github"), unmapped.migration().error());
      assertTrue(
          unmapped.migration().error().contains("synapseIdpId"), unmapped.migration().error());

      // Mapped: now syn2mas check warns, and warnings need an explicit go-ahead.
      run.sql("DELETE FROM user_external_ids WHERE auth_provider = 'oidc-github'");
      run.writeSpec(run.readSpec() + "\n# edited\n");
      SupervisorStatus warned = awaitFailure(run, "check");
      assertTrue(
          warned.migration().error().contains("spec.migration.acceptWarnings"),
          warned.migration().error());
      assertEquals(synapsePid, find(warned, "synapse").pid(), "the failed checks left Synapse be");

      // A setting MAS cannot take over.
      run.writeSpec(
          run.readSpec()
              .replace(
                  "    additionalConfig:\n",
                  "    additionalConfig:\n      allow_guest_access: true\n"));
      SupervisorStatus guests = awaitFailure(run, "preconditions");
      assertTrue(
          guests.migration().error().contains("allow_guest_access"), guests.migration().error());
      assertEquals("legacy", guests.migration().state());
      assertEquals(0, syn2mas(mas, "migrate --dry-run"), "no step after a failed check ran");
      // The edit restarted Synapse (its config changed); the failed move did not stop it.
      run.awaitReady("synapse", "router");
      assertEquals(ProcessState.READY, find(run.status(), "synapse").state());
      run.passwordLogin("alice", FormerPackageInstall.ALICE_PASSWORD);
    }
  }

  private SupervisorStatus awaitFailure(SupervisorRun run, String step) throws Exception {
    return run.awaitStatus(
        "the move stopped at " + step,
        s ->
            s.migration() != null
                && step.equals(s.migration().failedStep())
                && s.migration().step() == null,
        Duration.ofSeconds(120));
  }

  /** The stand-in mas-cli as MAS_HOME, with a share/ directory. */
  static Path standIn(SupervisorRun run) throws Exception {
    Path home = Files.createDirectories(run.base.resolve("mas-stand-in/share")).getParent();
    Path cli = home.resolve("mas-cli");
    try (InputStream in = MigrationIT.class.getResourceAsStream("/mas-stand-in/mas-cli")) {
      Files.write(cli, in.readAllBytes());
    }
    Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxrwxrwx"));
    run.env.put("MAS_HOME", home.toString());
    return home;
  }

  static void behaviour(Path mas, String lines) throws Exception {
    Files.writeString(mas.resolve("behaviour.txt"), lines + "\n");
  }

  static String calls(Path mas) throws Exception {
    Path log = mas.resolve("calls.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** How often the stand-in ran {@code syn2mas ... <command>}. */
  static long syn2mas(Path mas, String command) throws Exception {
    return calls(mas)
        .lines()
        .filter(l -> l.startsWith("syn2mas ") && l.endsWith(" " + command))
        .count();
  }

  static void awaitRecord(SupervisorRun run, String state) throws Exception {
    Path record = run.data.resolve(".mxstack/migration");
    run.awaitCondition(
        "migration state " + state,
        () -> Files.exists(record) && Files.readString(record).contains("state " + state + "\n"),
        Duration.ofSeconds(180));
  }

  String messages(SupervisorRun run, String token, String roomId) throws Exception {
    HttpResponse<String> messages =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        run.url(
                            "/_matrix/client/v3/rooms/"
                                + URLEncoder.encode(roomId, StandardCharsets.UTF_8)
                                + "/messages?dir=b&limit=20")))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, messages.statusCode(), messages.body());
    return messages.body();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
