package mxstack.standalone.cloudron;

import java.util.List;
import java.util.Map;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.SpecReader;
import mxstack.core.validation.Violation;
import mxstack.core.yaml.YamlTrees;

/**
 * The effective spec on Cloudron: the environment layer with the admin's {@code matrix.yaml}
 * deep-merged over it (the admin wins; lists are replaced, not appended).
 */
public final class SpecSources {

  private SpecSources() {}

  /**
   * The merged, defaulted and validated document.
   *
   * @param environment the layer from Cloudron's variables
   * @param adminYaml the text of matrix.yaml (may be empty)
   * @throws SpecInvalidException with every violation; shape and syntax errors of matrix.yaml carry
   *     its line and column
   */
  @SuppressWarnings("unchecked")
  public static MatrixDeploymentDocument load(Map<String, Object> environment, String adminYaml)
      throws SpecInvalidException {
    Map<String, Object> admin = Map.of();
    if (!adminYaml.isBlank() && !isOnlyComments(adminYaml)) {
      // Shape and syntax first, on the admin's own text, so positions point into matrix.yaml.
      SpecReader.parse(adminYaml);
      Object tree = YamlTrees.toJava(YamlTrees.compose(adminYaml));
      if (!(tree instanceof Map)) {
        throw new SpecInvalidException(
            List.of(
                Violation.at("(document)", "matrix.yaml must hold a MatrixDeployment mapping")));
      }
      admin = (Map<String, Object>) tree;
    }
    Map<String, Object> merged = YamlTrees.merge(environment, admin);
    return SpecReader.load(YamlTrees.dump(merged, null));
  }

  private static boolean isOnlyComments(String text) {
    return text.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"));
  }
}
