package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.Planner;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.PodTemplates;
import mxstack.operator.ResourceNames;
import mxstack.operator.UserSecrets;

/** Synapse: one replica with a volume for its media. */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class SynapseStatefulSetDependent extends NamedDependent<StatefulSet> {

  /** Default image; spec.homeserver.image overrides it. */
  public static final String IMAGE = "ghcr.io/element-hq/synapse:v1.163.2";

  /** Creates the dependent. */
  public SynapseStatefulSetDependent() {
    super(StatefulSet.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.synapse(md);
  }

  @Override
  protected StatefulSet desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    OperatorPlan plan = Plans.of(context);
    var homeserver = plan.spec().homeserver();
    PodTemplateSpec template =
        PodTemplates.build(
            plan,
            new PodTemplates.Workload(
                Planner.SYNAPSE,
                "synapse",
                homeserver.image() != null ? homeserver.image() : IMAGE,
                10091,
                homeserver.resources(),
                Map.of("cpu", "100m", "memory", "512Mi"),
                Map.of("memory", "2Gi"),
                List.of(
                    new VolumeMountBuilder()
                        .withName("media")
                        .withMountPath(plan.target().dataDir())
                        .build())),
            UserSecrets.from(context).hashFor(plan, Planner.SYNAPSE));
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "synapse"))
        .endMetadata()
        .withNewSpec()
        // none while its accounts move to MAS: syn2mas needs Synapse stopped
        .withReplicas(plan.synapseStopped() ? 0 : 1)
        .withServiceName(ResourceNames.synapse(md))
        // Not the default OrderedReady: under it the controller never replaces a pod that is not
        // ready, so a Synapse crash-looping on a bad config kept it after the admin fixed the
        // spec, until someone deleted the pod (Kubernetes' "forced rollback" caveat). With one
        // replica, Parallel changes nothing else: the pod's name still allows only one at a time.
        .withPodManagementPolicy("Parallel")
        .withNewSelector()
        .withMatchLabels(ResourceNames.selector(md, "synapse"))
        .endSelector()
        .withTemplate(template)
        .withVolumeClaimTemplates(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("media")
                .withLabels(ResourceNames.labels(md, "synapse"))
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .withRequests(Map.of("storage", new Quantity(homeserver.media().storageSize())))
                .endResources()
                .endSpec()
                .build())
        .endSpec()
        .build();
  }
}
