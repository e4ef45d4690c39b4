package mxstack.standalone.doctor;

/** The outcome of one doctor check. */
public enum CheckStatus {
  /** Works as a client needs it. */
  PASS,
  /** Works, or could not be checked from here, but something deserves a look. */
  WARN,
  /** Broken: some client or server cannot do what it needs. */
  FAIL
}
