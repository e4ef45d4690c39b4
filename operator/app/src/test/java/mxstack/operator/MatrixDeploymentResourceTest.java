package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import mxstack.core.spec.AuthMode;
import org.junit.jupiter.api.Test;

/** The custom resource reads the same documents the core reads (one model, not two). */
class MatrixDeploymentResourceTest {

  @Test
  void aGoldenSpecDeserialisesAsTheCustomResource() throws Exception {
    String yaml =
        Files.readString(Path.of("../core/src/test/resources/golden/mas-upstream-oidc/spec.yaml"));
    MatrixDeployment resource = Serialization.unmarshal(yaml, MatrixDeployment.class);
    assertEquals("mxstack.internal/v1alpha1", ((HasMetadata) resource).getApiVersion());
    assertEquals("chat", resource.getMetadata().getName());
    assertEquals("example.org", resource.getSpec().serverName());
    assertEquals(AuthMode.MAS, resource.getSpec().auth().mode());
    assertEquals(
        "01JB5M8Z4T9X2Q3R4S5T6V7W8X", resource.getSpec().auth().upstreamProviders().get(0).id());
  }
}
