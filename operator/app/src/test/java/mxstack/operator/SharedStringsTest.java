package mxstack.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes client's mapper, customized as the operator's is, keeps one copy of each short
 * string it reads (names, namespaces, owner UIDs repeat in every cached object) and leaves long
 * ones (config files) out of the JVM's string table.
 */
class SharedStringsTest {

  static final String CONFIG_MAP =
      """
      {"apiVersion": "v1", "kind": "ConfigMap",
       "metadata": {"name": "%s", "namespace": "matrix",
                    "ownerReferences": [{"apiVersion": "mxstack.internal/v1alpha1",
                      "kind": "MatrixDeployment", "name": "tls-db",
                      "uid": "b8b0e03a-3d1b-446c-82ed-ef932eb09c5a"}]},
       "data": {"homeserver.yaml": "%s"}}
      """;

  @Test
  void shortStringsAreSharedAndLongOnesAreNot() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    new SharedStrings().customize(mapper);
    String file = "server_name: example.com\\n".repeat(10);
    ConfigMap a = mapper.readValue(CONFIG_MAP.formatted("a", file), ConfigMap.class);
    ConfigMap b = mapper.readValue(CONFIG_MAP.formatted("b", file), ConfigMap.class);
    assertSame(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
    assertSame(
        a.getMetadata().getOwnerReferences().get(0).getUid(),
        b.getMetadata().getOwnerReferences().get(0).getUid());
    String homeserver = a.getData().get("homeserver.yaml");
    assertEquals(homeserver, b.getData().get("homeserver.yaml"));
    assertNotSame(homeserver, b.getData().get("homeserver.yaml"));
  }
}
