package mxstack.standalone.cloudron;

/** Where a supervised process is in its life. */
public enum ProcessState {
  /** Not started yet, or stopped on purpose. */
  STOPPED,
  /** Running its pre-start commands (migrations). */
  PREPARING,
  /** Started, readiness check not passed yet. */
  STARTING,
  /** Readiness check passed; its liveness is checked from then on. */
  READY,
  /** Failed its liveness check several times in a row; being stopped, then restarted. */
  UNRESPONSIVE,
  /** Exited unexpectedly; waiting to restart. */
  BACKOFF,
  /** Exited repeatedly soon after starting; still retried, at the longest backoff. */
  CRASH_LOOP,
  /** Cannot run here (its program is not installed); the others run without it. */
  UNAVAILABLE
}
