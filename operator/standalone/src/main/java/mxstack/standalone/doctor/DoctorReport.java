package mxstack.standalone.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.List;

/**
 * What the doctor found: one result per check, printed one line each (and the hint under a warning
 * or failure), or as JSON with the same content.
 *
 * @param baseUrl the homeserver's public base URL that was checked
 * @param serverName the server name whose well-known documents were checked
 * @param serverNameSource how the server name was learnt
 * @param via where requests for the public hosts were sent, or null
 * @param inside whether the deployment's own files could be read (the container)
 * @param checks every result, in a fixed order
 */
public record DoctorReport(
    String baseUrl,
    String serverName,
    String serverNameSource,
    URI via,
    boolean inside,
    List<CheckResult> checks) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Whether any check failed; warnings do not count. */
  public boolean failed() {
    return checks.stream().anyMatch(c -> c.status() == CheckStatus.FAIL);
  }

  long count(CheckStatus status) {
    return checks.stream().filter(c -> c.status() == status).count();
  }

  /** The report for a terminal. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Checking ").append(baseUrl).append(", server name ").append(serverName);
    out.append(" (").append(serverNameSource).append(")\n");
    if (via != null) {
      out.append("Requests for the public hosts go to ")
          .append(via)
          .append(", with the public host in the Host header\n");
    }
    int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(10);
    String indent = " ".repeat(6 + width + 1);
    for (CheckResult c : checks) {
      out.append(String.format("%-4s  %-" + width + "s %s%n", c.status(), c.name(), c.seen()));
      if (c.hint() != null) {
        out.append(indent).append("fix: ").append(c.hint()).append('\n');
      }
    }
    out.append(count(CheckStatus.PASS))
        .append(" passed, ")
        .append(count(CheckStatus.WARN))
        .append(" warned, ")
        .append(count(CheckStatus.FAIL))
        .append(" failed\n");
    return out.toString();
  }

  /** The report as JSON. */
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("baseUrl", baseUrl);
    root.put("serverName", serverName);
    root.put("serverNameSource", serverNameSource);
    root.put("via", via == null ? null : via.toString());
    root.put("inside", inside);
    root.put("ok", !failed());
    root.put("passed", count(CheckStatus.PASS));
    root.put("warned", count(CheckStatus.WARN));
    root.put("failed", count(CheckStatus.FAIL));
    ArrayNode list = root.putArray("checks");
    for (CheckResult c : checks) {
      list.addObject()
          .put("name", c.name())
          .put("status", c.status().name())
          .put("seen", c.seen())
          .put("hint", c.hint());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
