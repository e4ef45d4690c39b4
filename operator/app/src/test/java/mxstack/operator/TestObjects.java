package mxstack.operator;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The objects the benchmarks and the K3s test create: a fixture deployment and its DB Secret. */
final class TestObjects {

  private TestObjects() {}

  /** The mas-minimal fixture as {@code ns/name}. */
  static MatrixDeployment masMinimal(String ns, String name) throws IOException {
    MatrixDeployment md =
        Serialization.unmarshal(
            Files.readString(Path.of("src/test/resources/fixtures/mas-minimal.yaml")),
            MatrixDeployment.class);
    md.getMetadata().setNamespace(ns);
    md.getMetadata().setName(name);
    return md;
  }

  /** Creates the Secret "db" (key "password") that the fixture references. */
  static void createDbSecret(KubernetesClient client, String ns, String password) {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace(ns)
                .endMetadata()
                .addToStringData("password", password)
                .build())
        .create();
  }
}
