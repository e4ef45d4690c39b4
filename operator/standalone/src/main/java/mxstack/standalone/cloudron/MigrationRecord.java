package mxstack.standalone.cloudron;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import mxstack.core.plan.MigrationState;
import mxstack.standalone.apply.ConfigWriter;

/**
 * Where this install's move to MAS is, kept in {@code /app/data/.mxstack/migration} (so Cloudron's
 * backup holds it, and a restart resumes from it). Written atomically after each state is reached.
 *
 * @param state the last state reached
 * @param updated when it was written (ISO-8601)
 * @param failedStep the step whose failure stopped the last attempt, or null
 * @param error that failure, in words an admin can act on, or null
 */
record MigrationRecord(MigrationState state, String updated, String failedStep, String error) {

  static final String FILE = ".mxstack/migration";

  /** The record under {@code dataDir}; {@link MigrationState#LEGACY} when there is none. */
  static MigrationRecord read(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return new MigrationRecord(MigrationState.LEGACY, null, null, null);
    }
    MigrationState state = MigrationState.LEGACY;
    String updated = null;
    String step = null;
    String error = null;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.split(" ", 2);
      if (parts.length < 2) {
        continue;
      }
      String value = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
      switch (parts[0]) {
        case "state" -> state = MigrationState.fromWire(value);
        case "updated" -> updated = value;
        case "step" -> step = value;
        case "error" -> error = value;
        default -> {
          // written by a later version: ignored
        }
      }
    }
    return new MigrationRecord(state, updated, step, error);
  }

  /** Replaces the record under {@code dataDir}. */
  void write(Path dataDir) throws IOException {
    StringBuilder out = new StringBuilder();
    PlanWire.line(out, "state", state.wireName());
    if (updated != null) {
      PlanWire.line(out, "updated", updated);
    }
    if (failedStep != null) {
      PlanWire.line(out, "step", failedStep);
    }
    if (error != null) {
      PlanWire.line(out, "error", error);
    }
    ConfigWriter.write(
        dataDir.resolve(FILE), out.toString().getBytes(StandardCharsets.UTF_8), 0600);
  }
}
