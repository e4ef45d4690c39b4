package mxstack.core.plan;

import java.util.List;

/**
 * A command that must succeed before its process starts: a supervisor runs it to completion; on
 * Kubernetes it is an init container.
 *
 * @param name short stable name, shown in status and logs and used for the init container
 * @param program where the command's program comes from
 * @param argv the command line
 */
public record PreStartStep(String name, Program program, List<String> argv) {

  /** Where a step's program comes from, which on Kubernetes decides the init container's image. */
  public enum Program {
    /** A program of the process's own installation (its image on Kubernetes). */
    PROCESS,
    /** The PostgreSQL client, {@code psql}. */
    POSTGRES_CLIENT
  }

  public PreStartStep {
    argv = List.copyOf(argv);
  }
}
