package mxstack.standalone.cloudron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.yaml.YamlTrees;
import org.junit.jupiter.api.Test;

/** Cloudron's variables become the bottom layer of the spec, and matrix.yaml wins over them. */
class CloudronEnvironmentTest {

  static Map<String, String> cloudron() {
    Map<String, String> env = new HashMap<>();
    env.put("CLOUDRON_APP_DOMAIN", "matrix.example.com");
    env.put("CLOUDRON_APP_ORIGIN", "https://matrix.example.com");
    env.put("CLOUDRON_POSTGRESQL_HOST", "postgresql");
    env.put("CLOUDRON_POSTGRESQL_PORT", "5432");
    env.put("CLOUDRON_POSTGRESQL_USERNAME", "user0123");
    env.put("CLOUDRON_POSTGRESQL_PASSWORD", "db-secret-value");
    env.put("CLOUDRON_POSTGRESQL_DATABASE", "db0123");
    env.put("CLOUDRON_OIDC_ISSUER", "https://my.example.com");
    env.put("CLOUDRON_OIDC_CLIENT_ID", "cid");
    env.put("CLOUDRON_OIDC_CLIENT_SECRET", "oidc-secret-value");
    env.put("CLOUDRON_MAIL_SMTP_SERVER", "mail");
    env.put("CLOUDRON_MAIL_SMTP_PORT", "2525");
    env.put("CLOUDRON_MAIL_SMTP_USERNAME", "matrix@example.com");
    env.put("CLOUDRON_MAIL_SMTP_PASSWORD", "smtp-secret-value");
    env.put("CLOUDRON_MAIL_FROM", "matrix@example.com");
    env.put("CLOUDRON_TURN_SERVER", "turn.example.com");
    env.put("CLOUDRON_TURN_PORT", "3478");
    env.put("CLOUDRON_TURN_TLS_PORT", "5349");
    env.put("CLOUDRON_TURN_SECRET", "turn-secret-value");
    return env;
  }

  @Test
  void theEnvironmentAloneGivesAValidMasSpec() throws Exception {
    CloudronEnvironment.Layer layer =
        CloudronEnvironment.read(cloudron(), Path.of("/run/mxstack/env-secrets"));
    MatrixDeploymentDocument doc = SpecSources.load(layer.tree(), "");
    assertEquals("example.com", doc.spec().serverName());
    assertEquals("https://matrix.example.com", doc.spec().homeserver().publicBaseUrl());
    assertEquals("https://matrix.example.com/", doc.spec().auth().mas().publicBaseUrl());
    assertEquals(AuthMode.MAS, doc.spec().auth().mode());
    assertEquals("mas", doc.spec().database().mas().schema());
    UpstreamProviderSpec cloudron = doc.spec().auth().upstreamProviders().get(0);
    assertEquals(CloudronEnvironment.CLOUDRON_PROVIDER_ID, cloudron.id());
    assertEquals(
        "/run/mxstack/env-secrets/cloudron-oidc-client-secret", cloudron.clientSecret().file());
    assertTrue(cloudron.fetchUserinfo());
    assertEquals(3, doc.spec().homeserver().turn().uris().size());
    String tree = YamlTrees.dump(layer.tree(), null);
    for (String secret :
        new String[] {
          "db-secret-value", "oidc-secret-value", "smtp-secret-value", "turn-secret-value"
        }) {
      assertFalse(tree.contains(secret), "secret values go to files, not into the spec");
      assertTrue(layer.secrets().containsValue(secret));
    }
  }

  @Test
  void theManifestNamesTheFixedProvidersCallback() throws Exception {
    String manifest =
        java.nio.file.Files.readString(Path.of("../../cloudron/CloudronManifest.json"));
    assertTrue(
        manifest.contains(
            "\"loginRedirectUri\": \"/upstream/callback/"
                + CloudronEnvironment.CLOUDRON_PROVIDER_ID
                + "\""),
        "the oidc addon's redirect URI must be MAS's callback for the Cloudron provider");
  }

  @Test
  void serverNameIsTheParentDomain() {
    assertEquals("example.com", CloudronEnvironment.parentDomain("matrix.example.com"));
    assertEquals("example.co.uk", CloudronEnvironment.parentDomain("chat.example.co.uk"));
    assertEquals("example.com", CloudronEnvironment.parentDomain("example.com"));
  }

  @Test
  void matrixYamlWinsOverTheEnvironment() throws Exception {
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(cloudron(), Path.of("/run/s"));
    MatrixDeploymentDocument doc =
        SpecSources.load(
            layer.tree(),
            "apiVersion: mxstack.internal/v1alpha1\nkind: MatrixDeployment\nspec:\n"
                + "  serverName: chat.example.com\n  homeserver:\n    federation:\n      enabled: false\n"
                + "  auth:\n    mas:\n      passwordLogin: false\n");
    assertEquals("chat.example.com", doc.spec().serverName());
    assertFalse(doc.spec().homeserver().federation().enabled());
    assertFalse(doc.spec().auth().mas().passwordLogin());
    // untouched settings still come from the environment
    assertEquals("postgresql", doc.spec().database().synapse().host());
  }

  @Test
  void errorsInMatrixYamlPointIntoTheFile() {
    CloudronEnvironment.Layer layer = CloudronEnvironment.read(cloudron(), Path.of("/run/s"));
    SpecInvalidException e =
        assertThrows(
            SpecInvalidException.class,
            () ->
                SpecSources.load(
                    layer.tree(),
                    "apiVersion: mxstack.internal/v1alpha1\nkind: MatrixDeployment\nspec:\n"
                        + "  homeserver:\n    federaton: {}\n"));
    assertEquals("spec.homeserver.federaton", e.violations().get(0).path());
    assertEquals(5, e.violations().get(0).line());
  }
}
