package mxstack.standalone.cloudron;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mxstack.standalone.apply.ConfigWriter;

/**
 * What the supervisor reports in {@code /run/mxstack/status.json}: the spec's validity with every
 * violation, and each process's state.
 *
 * @param updated when this was written (ISO-8601)
 * @param specFile the admin's spec file
 * @param specValid whether the last read of the spec was valid
 * @param violations the last read's violations (the previous valid plan stays in force)
 * @param warnings warnings of the plan in force
 * @param masAvailable whether the MAS binary is installed
 * @param processes each supervised process
 */
public record SupervisorStatus(
    String updated,
    String specFile,
    boolean specValid,
    List<String> violations,
    List<String> warnings,
    boolean masAvailable,
    List<ProcessStatus> processes) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes the status atomically, readable by everyone in the container (it holds no secret). */
  public void write(Path file) throws IOException {
    ConfigWriter.write(
        file, (JSON.writeValueAsString(this) + "\n").getBytes(StandardCharsets.UTF_8), 0644);
  }

  /** Reads a status file. */
  public static SupervisorStatus read(Path file) throws IOException {
    return JSON.readValue(Files.readAllBytes(file), SupervisorStatus.class);
  }
}
