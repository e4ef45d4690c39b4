package mxstack.core.validation;

import java.util.List;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.yaml.YamlTrees;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reads MatrixDeployment YAML into the model, reporting every problem with its position. */
public final class SpecReader {

  private SpecReader() {}

  /**
   * Parses, applies defaults and validates: the whole path from admin text to a spec the planner
   * accepts.
   */
  public static MatrixDeploymentDocument load(String yamlText) throws SpecInvalidException {
    MatrixDeploymentDocument document = SpecDefaults.apply(parse(yamlText));
    List<Violation> violations = SpecValidator.validate(document);
    if (!violations.isEmpty()) {
      throw new SpecInvalidException(violations);
    }
    return document;
  }

  /** Parses and checks the document's shape; no defaults, no semantic rules. */
  public static MatrixDeploymentDocument parse(String yamlText) throws SpecInvalidException {
    int limit = YamlTrees.MAX_DOCUMENT_CODE_POINTS;
    // SnakeYAML's own limit skips comments, and reading a huge document costs more than linear
    // time: refuse oversized text before parsing it.
    if (yamlText.length() > limit && yamlText.codePointCount(0, yamlText.length()) > limit) {
      throw new SpecInvalidException(
          List.of(
              Violation.at(
                  "(document)",
                  "is longer than "
                      + limit
                      + " characters (comments included); a MatrixDeployment needs a few"
                      + " kilobytes")));
    }
    Node root;
    try {
      root = YamlTrees.compose(yamlText);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      String context = e.getContext() != null ? e.getContext() + ": " : "";
      throw new SpecInvalidException(
          List.of(
              new Violation(
                  "(document)",
                  "YAML syntax error: " + context + problem.trim(),
                  mark == null ? 0 : mark.getLine() + 1,
                  mark == null ? 0 : mark.getColumn() + 1)));
    } catch (YAMLException e) {
      throw new SpecInvalidException(
          List.of(Violation.at("(document)", "YAML cannot be read: " + firstLine(e.getMessage()))));
    }
    if (root == null
        || (root instanceof ScalarNode scalar
            && scalar.getTag().equals(Tag.NULL))) { // "---", "~" or "null": nothing to read
      throw new SpecInvalidException(
          List.of(Violation.at("(document)", "is empty; expected a MatrixDeployment document")));
    }
    List<Violation> shape = new StructureValidator().validate(root, MatrixDeploymentDocument.class);
    if (!shape.isEmpty()) {
      throw new SpecInvalidException(shape);
    }
    try {
      return SpecBinder.bind(YamlTrees.toJava(root), MatrixDeploymentDocument.class);
    } catch (RuntimeException e) {
      // The shape check above mirrors the model, so this means the two disagree: say so plainly.
      throw new SpecInvalidException(
          List.of(Violation.at("(document)", "cannot be read: " + firstLine(e.getMessage()))));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
