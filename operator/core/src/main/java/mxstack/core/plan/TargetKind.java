package mxstack.core.plan;

/** Where a plan is applied. */
public enum TargetKind {
  /** One container (or a local machine): files plus supervised child processes. */
  CLOUDRON,
  /** Cluster objects: ConfigMaps, Secrets, workloads; one process per pod. */
  KUBERNETES
}
