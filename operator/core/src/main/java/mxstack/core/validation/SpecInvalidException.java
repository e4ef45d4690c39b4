package mxstack.core.validation;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a spec is rejected; carries every violation found. */
public final class SpecInvalidException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<Violation> violations;

  /** Creates the exception from a non-empty list of violations. */
  public SpecInvalidException(List<Violation> violations) {
    super(
        violations.size()
            + " problem(s) in the MatrixDeployment spec:\n  "
            + violations.stream().map(Violation::toString).collect(Collectors.joining("\n  ")));
    this.violations = List.copyOf(violations);
  }

  /** Every violation, in document order. */
  public List<Violation> violations() {
    return violations;
  }
}
