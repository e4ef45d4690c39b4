package mxstack.core.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.yaml.SpecMapper;
import mxstack.core.yaml.YamlTrees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The spec binder builds exactly what Jackson's {@code convertValue} builds from every tree the
 * structure check accepts: the golden specs, the fuzz test's mutations of them, and free-form
 * values of every scalar type.
 */
class SpecBinderTest {

  static final int DOCUMENTS = 3000;

  @BeforeAll
  static void readGoldens() throws IOException {
    SpecFuzzTest.readGoldens();
  }

  @Test
  void bindsWhatJacksonBindsForGoldenAndMutatedSpecs() {
    int compared = 0;
    for (SpecFuzzTest.Golden golden : SpecFuzzTest.goldens) {
      compared += compare(golden.text(), golden.name()) ? 1 : 0;
    }
    assertEquals(SpecFuzzTest.goldens.size(), compared, "every golden spec has a valid shape");
    for (int number = 0; number < DOCUMENTS; number++) {
      SpecFuzzTest.Case c = SpecFuzzTest.generate(number);
      if (c.text().length() < 100_000) {
        compared += compare(c.text(), "document " + number + " (" + c.mutations() + ")") ? 1 : 0;
      }
    }
    assertTrue(compared > DOCUMENTS / 10, "too few documents with a valid shape: " + compared);
  }

  @Test
  void freeFormValuesKeepTheirTypes() {
    String text =
        """
        apiVersion: mxstack.internal/v1alpha1
        kind: MatrixDeployment
        metadata:
          name: types
          labels: {team: chat, empty: ""}
        spec:
          serverName: example.org
          homeserver:
            additionalConfig:
              small: 7
              large: 9000000000
              huge: 123456789012345678901234567890
              hex: 0x1F
              ratio: 0.25
              exponent: 1e3
              infinite: .inf
              yes_word: yes
              nothing: null
              text: "7"
              when: 2026-11-27
              nested: {list: [1, "two", [3.0, {four: false}]], map: {a: ~}}
              anchors: {first: &x [1, 2], second: *x}
        """;
    assertTrue(compare(text, "free-form types"));
  }

  /** Compares binder and Jackson on one document; false when the shape check refuses it. */
  private static boolean compare(String text, String what) {
    Node root;
    try {
      root = YamlTrees.compose(text);
    } catch (RuntimeException e) {
      return false;
    }
    if (root == null
        || !new StructureValidator().validate(root, MatrixDeploymentDocument.class).isEmpty()) {
      return false;
    }
    Object tree = YamlTrees.toJava(root);
    MatrixDeploymentDocument expected =
        SpecMapper.get().convertValue(tree, MatrixDeploymentDocument.class);
    MatrixDeploymentDocument actual = SpecBinder.bind(tree, MatrixDeploymentDocument.class);
    // Record and map equality: an Integer where Jackson made a Long would differ too.
    assertEquals(expected, actual, what);
    return true;
  }
}
