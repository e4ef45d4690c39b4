package mxstack.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The status message of a failed reconcile: for each object that could not be applied, its kind and
 * name and what the API server said, on one line. Never a stack trace (JOSDK's own message for a
 * failed workflow holds one per dependent); the operator's log has those.
 */
final class ReconcileErrorMessage {

  /** Condition messages stay readable in kubectl describe. */
  static final int MAX_LENGTH = 1000;

  private ReconcileErrorMessage() {}

  static String of(Exception e) {
    Map<String, Exception> causes = Map.of("", e);
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AggregatedOperatorException aggregated
          && !aggregated.getAggregatedExceptions().isEmpty()) {
        causes = aggregated.getAggregatedExceptions();
        break;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    List<String> parts = new ArrayList<>();
    causes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(c -> parts.add(describe(c.getKey(), c.getValue())));
    String message = String.join("; ", parts);
    return message.length() > MAX_LENGTH ? message.substring(0, MAX_LENGTH - 3) + "..." : message;
  }

  private static String describe(String dependent, Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getStatus() != null) {
        var details = k.getStatus().getDetails();
        String object =
            details != null && details.getKind() != null
                ? details.getKind() + " " + details.getName()
                : "the " + dependent + " object";
        String reason = k.getStatus().getMessage() != null ? k.getStatus().getMessage() : "";
        return "Applying " + object + " failed (HTTP " + k.getCode() + "): " + firstLine(reason);
      }
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String what = dependent.isEmpty() ? "Reconciling" : "Applying the " + dependent + " object";
    return what
        + " failed: "
        + (root.getMessage() == null ? "see the operator's log" : firstLine(root.getMessage()));
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }
}
