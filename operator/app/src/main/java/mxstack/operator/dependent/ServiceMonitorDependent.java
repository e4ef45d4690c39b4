package mxstack.operator.dependent;

import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.EndpointBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitorBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/**
 * Scrape configuration for the Prometheus operator: Synapse's metrics port and MAS's internal port.
 * Only activated where the ServiceMonitor CRD exists in the cluster.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class ServiceMonitorDependent extends NamedDependent<ServiceMonitor> {

  /** Creates the dependent. */
  public ServiceMonitorDependent() {
    super(ServiceMonitor.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return md.getMetadata().getName();
  }

  @Override
  protected ServiceMonitor desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    List<Endpoint> endpoints = new ArrayList<>();
    endpoints.add(new EndpointBuilder().withPort("metrics").withPath("/_synapse/metrics").build());
    if (Plans.of(context).masMode()) {
      endpoints.add(new EndpointBuilder().withPort("internal").withPath("/metrics").build());
    }
    return new ServiceMonitorBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "metrics"))
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(
            Map.of(
                "app.kubernetes.io/instance",
                md.getMetadata().getName(),
                "app.kubernetes.io/part-of",
                "mxstack"))
        .endSelector()
        .withEndpoints(endpoints)
        .endSpec()
        .build();
  }
}
