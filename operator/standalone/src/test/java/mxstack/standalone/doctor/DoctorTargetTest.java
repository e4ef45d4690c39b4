package mxstack.standalone.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTargetTest {

  @TempDir Path dir;

  /** An environment whose Cloudron layout points at empty directories: running "outside". */
  Map<String, String> outside() {
    Map<String, String> env = new HashMap<>();
    env.put("MXSTACK_DATA_DIR", dir.resolve("data").toString());
    env.put("MXSTACK_RUN_DIR", dir.resolve("run").toString());
    env.put("MXSTACK_RUN_AS", "");
    return env;
  }

  @Test
  void aBareNameIsTheServerNameAndAUrlTheBaseUrl() {
    DoctorTarget byName = DoctorTarget.resolve("Example.COM", null, null, outside());
    assertEquals("example.com", byName.serverName());
    assertNull(byName.baseUrl(), "the well-known document names it");
    assertNull(byName.via());
    assertNull(byName.local());

    DoctorTarget byUrl = DoctorTarget.resolve("https://matrix.example.com/", null, null, outside());
    assertEquals(URI.create("https://matrix.example.com"), byUrl.baseUrl());
    assertNull(byUrl.serverName(), "learnt from Synapse");

    DoctorTarget both =
        DoctorTarget.resolve(
            "https://matrix.example.com", "example.com", "http://127.0.0.1:8000", outside());
    assertEquals("example.com", both.serverName());
    assertEquals(URI.create("http://127.0.0.1:8000"), both.via());
  }

  @Test
  void insideTheContainerTheOriginAndTheRoutersPortAreTheDefaults() throws Exception {
    Map<String, String> env = outside();
    env.put("CLOUDRON_APP_ORIGIN", "https://matrix.example.com");
    env.put("MXSTACK_HTTP_PORT", "8123");
    Path secrets = Files.createDirectories(dir.resolve("data/secrets"));
    Files.writeString(secrets.resolve("mas-synapse-shared-secret"), "s3cret\n");
    Path synapse = Files.createDirectories(dir.resolve("run/config/synapse"));
    Files.writeString(
        synapse.resolve("homeserver.yaml"),
        "server_name: example.com\npublic_baseurl: https://matrix.example.com/\n"
            + "matrix_authentication_service:\n  enabled: true\n  endpoint: http://127.0.0.1:8080/\n");
    DoctorTarget target = DoctorTarget.resolve(null, null, null, env);
    assertEquals(URI.create("https://matrix.example.com"), target.baseUrl());
    assertEquals(URI.create("http://127.0.0.1:8123"), target.via());
    assertEquals("example.com", target.serverName(), "the name Synapse runs with");
    LocalDeployment local = target.local();
    assertEquals(Boolean.TRUE, local.masMode());
    assertEquals("http://127.0.0.1:8080/", local.masEndpoint());
    assertEquals("s3cret", local.readSharedSecret());
    assertEquals(URI.create("http://127.0.0.1:8008"), local.synapse());
    assertEquals(URI.create("http://127.0.0.1:8081/health"), local.masHealth());

    // Another deployment's URL, given inside: its checks must not use this one's files.
    DoctorTarget other = DoctorTarget.resolve("https://matrix.other.org", null, null, env);
    assertNull(other.local());
    assertNull(other.via());
  }

  @Test
  void unusableInputIsRefusedWithWhatWouldDo() {
    String none =
        assertThrows(
                IllegalArgumentException.class,
                () -> DoctorTarget.resolve(null, null, null, outside()))
            .getMessage();
    assertTrue(none.contains("matrixctl doctor example.com"), none);
    String ftp =
        assertThrows(
                IllegalArgumentException.class,
                () -> DoctorTarget.resolve("ftp://example.com", null, null, outside()))
            .getMessage();
    assertTrue(ftp.contains("must be an http(s) URL"), ftp);
    String name =
        assertThrows(
                IllegalArgumentException.class,
                () -> DoctorTarget.resolve("not a name", null, null, outside()))
            .getMessage();
    assertTrue(name.contains("neither a URL nor a server name"), name);
    String via =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    DoctorTarget.resolve("example.com", null, "https://127.0.0.1:8000", outside()))
            .getMessage();
    assertTrue(via.contains("plain http address"), via);
  }
}
