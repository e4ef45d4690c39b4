package mxstack.standalone.it;

import static mxstack.standalone.it.CloudronSupervisorIT.find;
import static mxstack.standalone.it.CloudronSupervisorIT.pid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mxstack.standalone.cloudron.ProcessState;
import mxstack.standalone.cloudron.SupervisorStatus;
import org.junit.jupiter.api.Test;

/**
 * The Cloudron supervisor under conditions a real container meets: its admin file deleted, a full
 * disk during an edit, a read-only runtime directory, a changed domain, a routing edit under load.
 * Real Synapse, nginx and PostgreSQL; the small and read-only disks are tmpfs mounts, which need
 * root (as CI runs), and those tests are skipped elsewhere, saying so.
 */
class CloudronHardshipIT {

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aDeletedSpecFileKeepsTheRunningSettingsAndIsWrittenBack() throws Exception {
    try (SupervisorRun run = new SupervisorRun("deleted")) {
      run.start();
      long firstPid = pid(run.awaitReady("synapse", "router"), "synapse");
      String edited =
          run.readSpec()
              .replace("  homeserver:\n", "  homeserver:\n    federation:\n      enabled: false\n");
      run.writeSpec(edited);
      SupervisorStatus applied =
          run.awaitStatus(
              "federation off applied",
              s -> {
                try {
                  return homeserverYaml(run).contains("federation_domain_whitelist: []")
                      && find(s, "synapse").state() == ProcessState.READY
                      && find(s, "synapse").pid() != firstPid;
                } catch (IOException e) {
                  return false;
                }
              },
              Duration.ofSeconds(120));
      long synapsePid = pid(applied, "synapse");
      Path lastApplied = run.data.resolve(".mxstack/last-applied.yaml");
      byte[] kept = Files.readAllBytes(lastApplied);

      Files.delete(run.data.resolve("matrix.yaml"));
      SupervisorStatus noticed =
          run.awaitStatus(
              "the deletion noticed",
              s -> s.warnings().stream().anyMatch(w -> w.contains("was deleted")),
              Duration.ofSeconds(30));
      assertEquals(edited, run.readSpec(), "the last applied spec is written back");
      assertArrayEquals(kept, Files.readAllBytes(lastApplied), "last-applied.yaml is kept");
      assertEquals(synapsePid, pid(noticed, "synapse"), "nothing restarted");
      assertTrue(homeserverYaml(run).contains("federation_domain_whitelist: []"));
      assertTrue(run.output().contains("was deleted; the running settings were kept"));

      // Deleted while the app is stopped: the next start brings the settings back, not defaults.
      assertEquals(0, run.terminate());
      Files.delete(run.data.resolve("matrix.yaml"));
      run.start();
      run.awaitReady("synapse", "router");
      assertEquals(edited, run.readSpec());
      assertTrue(homeserverYaml(run).contains("federation_domain_whitelist: []"));
    }
  }

  @Test
  void anEditOnAFullDiskChangesNothingSaysSoAndIsAppliedWhenSpaceComesBack() throws Exception {
    try (SupervisorRun run = new SupervisorRun("fulldisk")) {
      assumeTrue(
          run.mountTmpfs(run.run, "size=4m,mode=0755"),
          "needs root to mount a small tmpfs as the runtime directory");
      run.start();
      SupervisorStatus ready = run.awaitReady("synapse", "router");
      long synapsePid = pid(ready, "synapse");
      long routerPid = pid(ready, "router");
      byte[] homeserver = Files.readAllBytes(run.run.resolve("config/synapse/homeserver.yaml"));
      byte[] nginx = Files.readAllBytes(run.run.resolve("config/router/nginx.conf"));

      Path filler = run.run.resolve("filler");
      fill(filler, 4096);
      // Touches two files: Synapse's max_upload_size and nginx's client_max_body_size.
      run.writeSpec(
          run.readSpec()
              .replace("  homeserver:\n", "  homeserver:\n    media:\n      maxUploadSize: 20M\n"));
      run.awaitOutput("nothing was changed; trying again every 10 s", Duration.ofSeconds(60));
      assertArrayEquals(
          homeserver, Files.readAllBytes(run.run.resolve("config/synapse/homeserver.yaml")));
      assertArrayEquals(nginx, Files.readAllBytes(run.run.resolve("config/router/nginx.conf")));
      LocalStack.ProcessResult failed =
          run.awaitMatrixctl("LAST CHANGE NOT APPLIED", Duration.ofSeconds(60), "status");
      assertEquals(1, failed.exitCode(), failed.output());
      assertTrue(
          failed.output().contains(run.run + "/config/")
              && failed.output().contains("No space left"),
          "names the path and the cause: " + failed.output());
      assertEquals(synapsePid, pid(run.status(), "synapse"), "nothing restarted");

      // Not even the status fits any more: matrixctl says it is stale.
      fill(filler, 0);
      LocalStack.ProcessResult stale =
          run.awaitMatrixctl("STALE", Duration.ofSeconds(120), "status");
      assertTrue(stale.output().contains("not rewritten for"), stale.output());

      Files.delete(filler);
      SupervisorStatus applied =
          run.awaitStatus(
              "the edit applied once space came back",
              s -> {
                try {
                  return s.applyError() == null
                      && Files.readString(run.run.resolve("config/router/nginx.conf"))
                          .contains("client_max_body_size 20m;")
                      && find(s, "synapse").state() == ProcessState.READY
                      && find(s, "synapse").pid() != synapsePid;
                } catch (IOException e) {
                  return false;
                }
              },
              Duration.ofSeconds(120));
      assertTrue(homeserverYaml(run).contains("max_upload_size: 20M"));
      assertEquals(routerPid, pid(applied, "router"), "nginx reloaded in place");
      LocalStack.ProcessResult status = run.matrixctl("status");
      assertEquals(0, status.exitCode(), status.output());
      assertFalse(status.output().contains("STALE"), status.output());
    }
  }

  @Test
  void aReadOnlyRuntimeDirectoryIsNamedAsTheCauseNotTheSpec() throws Exception {
    try (SupervisorRun run = new SupervisorRun("readonly")) {
      assumeTrue(
          run.mountTmpfs(run.run, "ro,size=1m,mode=0755"),
          "needs root to mount a read-only tmpfs as the runtime directory");
      run.start();
      run.awaitOutput("ERROR: nothing could be started: ", Duration.ofSeconds(60));
      String out = run.output();
      assertTrue(out.contains(run.run + "/"), out);
      assertTrue(out.contains("Read-only file system"), out);
      assertFalse(out.contains("no valid spec"), "the spec is not blamed: " + out);
      assertFalse(out.contains("\tat "), "no stack trace: " + out);
      assertTrue(run.process().isAlive(), "it keeps trying instead of exiting");
    }
  }

  @Test
  void theServerNameStaysWhenTheDomainChangesAndCannotBeChangedByAnEdit() throws Exception {
    try (SupervisorRun run = new SupervisorRun("rename")) {
      run.start();
      run.awaitReady("synapse", "router");
      assertTrue(homeserverYaml(run).contains("server_name: sup.test"));
      assertEquals(0, run.terminate());

      // The app moved to another domain: Synapse still starts, as the same server.
      run.env.put("CLOUDRON_APP_DOMAIN", "matrix.other.test");
      run.env.put("CLOUDRON_APP_ORIGIN", "https://matrix.other.test");
      run.start();
      SupervisorStatus moved = run.awaitReady("synapse", "router");
      assertTrue(homeserverYaml(run).contains("server_name: sup.test"), homeserverYaml(run));
      assertTrue(homeserverYaml(run).contains("public_baseurl: https://matrix.other.test/"));
      assertTrue(
          moved.warnings().stream()
              .anyMatch(w -> w.contains("suggests 'other.test'") && w.contains("stays 'sup.test'")),
          moved.warnings().toString());
      long synapsePid = pid(moved, "synapse");

      // An explicit new name is refused like an invalid spec; the running plan stays.
      run.writeSpec(run.readSpec().replace("spec:\n", "spec:\n  serverName: other.test\n"));
      SupervisorStatus refused =
          run.awaitStatus("the rename refused", s -> !s.specValid(), Duration.ofSeconds(30));
      assertTrue(
          refused.violations().stream()
              .anyMatch(
                  v ->
                      v.startsWith("spec.serverName:")
                          && v.contains("'other.test'")
                          && v.contains("'sup.test'")
                          && v.contains("cannot change")),
          refused.violations().toString());
      assertEquals(synapsePid, pid(refused, "synapse"));
      assertTrue(homeserverYaml(run).contains("server_name: sup.test"));
    }
  }

  @Test
  void aRoutingEditIsAppliedByNginxInPlaceWithoutRefusingAConnection() throws Exception {
    try (SupervisorRun run = new SupervisorRun("reload")) {
      run.start();
      long routerPid = pid(run.awaitReady("synapse", "router"), "router");
      assertEquals(200, get(run.url("/.well-known/matrix/client")).statusCode());
      AtomicBoolean probing = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      Thread prober =
          new Thread(
              () -> {
                while (probing.get()) {
                  try {
                    get(run.url("/_matrix/client/versions"));
                    answered.incrementAndGet();
                  } catch (ConnectException e) {
                    refused.incrementAndGet();
                  } catch (Exception e) {
                    refused.incrementAndGet();
                  }
                }
              });
      prober.start();
      try {
        // Only the router's config changes: the well-known documents are no longer served.
        run.writeSpec(
            run.readSpec().replace("spec:\n", "spec:\n  wellKnown:\n    enabled: false\n"));
        run.awaitOutput("reloaded router's configuration", Duration.ofSeconds(60));
        long before = answered.get();
        run.awaitCondition(
            "requests answered after the reload", () -> answered.get() > before + 20);
      } finally {
        probing.set(false);
        prober.join(30_000);
      }
      assertEquals(
          0, refused.get(), "requests refused during the edit (" + answered + " answered)");
      assertEquals(routerPid, pid(run.status(), "router"), "nginx keeps its PID");
      HttpResponse<String> wellKnown = get(run.url("/.well-known/matrix/client"));
      assertFalse(
          wellKnown.body().contains("m.homeserver"), "no longer served: " + wellKnown.body());
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String homeserverYaml(SupervisorRun run) throws IOException {
    return Files.readString(run.run.resolve("config/synapse/homeserver.yaml"));
  }

  /** Fills the file system holding {@code file} until {@code leave} bytes are left. */
  private static void fill(Path file, int leave) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer chunk = ByteBuffer.allocate(4096);
      while (true) {
        chunk.clear();
        try {
          channel.write(chunk);
        } catch (IOException full) {
          break;
        }
      }
      channel.truncate(Math.max(0, channel.size() - leave));
    }
  }
}
