package mxstack.operator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API server's audit log of the operator's requests (one JSON line per completed request): what
 * it read and wrote between two points of a test, as the API server saw it.
 */
public final class AuditLog {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  private final Path file;

  AuditLog(Path file) {
    this.file = file;
  }

  /** A point in the log: entries after it are {@link #since(long)} it. */
  public long mark() {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every complete entry written after the mark. */
  public List<Entry> since(long mark) {
    List<Entry> entries = new ArrayList<>();
    if (!Files.exists(file)) {
      return entries;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long end = in.length();
      if (end <= mark) {
        return entries;
      }
      byte[] bytes = new byte[(int) (end - mark)];
      in.seek(mark);
      in.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      int last = text.lastIndexOf('\n');
      for (String line : text.substring(0, last + 1).split("\n")) {
        if (!line.isBlank()) {
          entries.add(Entry.of(JSON.readTree(line)));
        }
      }
      return entries;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The operator's writes after the mark. */
  public List<Entry> writesSince(long mark) {
    return since(mark).stream().filter(Entry::write).toList();
  }

  /** One request: who, what, on which object, and the response code. */
  public record Entry(
      String user,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String uri,
      String authorization) {

    static Entry of(JsonNode e) {
      JsonNode o = e.path("objectRef");
      return new Entry(
          e.path("user").path("username").asText(),
          e.path("verb").asText(),
          o.path("apiGroup").asText(""),
          o.path("resource").asText(""),
          o.path("subresource").asText(""),
          o.path("namespace").asText(""),
          o.path("name").asText(""),
          e.path("responseStatus").path("code").asInt(),
          e.path("requestURI").asText(),
          e.path("annotations").path("authorization.k8s.io/decision").asText(""));
    }

    /** True when the authorizer (RBAC) refused it, as opposed to admission or validation. */
    public boolean forbiddenByAuthorizer() {
      return authorization.equals("forbid");
    }

    /** True for a request that changes something (a failed one included). */
    public boolean write() {
      return WRITES.contains(verb);
    }

    /** The resource with its subresource, e.g. matrixdeployments/status. */
    public String fullResource() {
      return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    /** "patch statefulsets matrix/tls-db-synapse 200", for messages. */
    @Override
    public String toString() {
      return verb + " " + fullResource() + " " + namespace + "/" + name + " " + code;
    }
  }
}
