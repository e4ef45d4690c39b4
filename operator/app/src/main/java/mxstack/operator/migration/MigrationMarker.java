package mxstack.operator.migration;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/**
 * The ConfigMap {@code <name>-syn2mas} that records the move to MAS beside the status. It has no
 * owner reference: deleting the MatrixDeployment keeps it, so a MatrixDeployment created again
 * under the same name over the same databases knows that its accounts are in MAS and never moves
 * them a second time (nor goes back to Synapse's own logins).
 */
public final class MigrationMarker {

  /** Label naming the MatrixDeployment a marker belongs to; the operator watches by it. */
  public static final String LABEL = "mxstack.internal/migration-for";

  /** Name of the event source that watches markers. */
  public static final String EVENT_SOURCE = "syn2mas-marker";

  private MigrationMarker() {}

  /** The marker's name. */
  public static String name(MatrixDeployment md) {
    return md.getMetadata().getName() + "-syn2mas";
  }

  /** The marker holding this record. */
  public static ConfigMap of(MatrixDeployment md, MigrationStatus record) {
    Map<String, String> labels = ResourceNames.labels(md, "syn2mas");
    labels.put(LABEL, md.getMetadata().getName());
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(labels)
        .endMetadata()
        .withData(record.toData())
        .build();
  }

  /** The record a marker holds. */
  public static MigrationStatus read(ConfigMap marker) {
    return MigrationStatus.fromData(marker.getData() == null ? Map.of() : marker.getData());
  }
}
