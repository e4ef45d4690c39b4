package mxstack.core.validation;

/**
 * One thing wrong with a spec: where (a field path such as {@code
 * spec.auth.upstreamProviders[0].issuer}) and what is allowed there.
 *
 * @param path field path from the document root
 * @param message what is wrong and what would be valid
 * @param line 1-based line in the YAML source, or 0 when unknown
 * @param column 1-based column in the YAML source, or 0 when unknown
 */
public record Violation(String path, String message, int line, int column) {

  /** A violation without a source position. */
  public static Violation at(String path, String message) {
    return new Violation(path, message, 0, 0);
  }

  /** Human-readable form: {@code path: message (line L, column C)}. */
  @Override
  public String toString() {
    String where = line > 0 ? " (line " + line + ", column " + column + ")" : "";
    return path + ": " + message + where;
  }
}
