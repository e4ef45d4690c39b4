package mxstack.standalone.doctor;

/**
 * One check's result.
 *
 * @param name the check's stable name (also its key in the JSON output)
 * @param status pass, warn or fail
 * @param seen what was asked and what came back
 * @param hint for a warning or a failure, what an admin can do about it; null for a pass
 */
public record CheckResult(String name, CheckStatus status, String seen, String hint) {

  static CheckResult pass(String name, String seen) {
    return new CheckResult(name, CheckStatus.PASS, seen, null);
  }

  static CheckResult warn(String name, String seen, String hint) {
    return new CheckResult(name, CheckStatus.WARN, seen, hint);
  }

  static CheckResult fail(String name, String seen, String hint) {
    return new CheckResult(name, CheckStatus.FAIL, seen, hint);
  }
}
