package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.ResourceNames;

/** Builds the three ClusterIP Services. */
final class ServiceDependents {

  private ServiceDependents() {}

  static Service service(
      MatrixDeployment md, String name, String component, List<ServicePort> ports) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, component))
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(ResourceNames.selector(md, component))
        .withPorts(ports)
        .endSpec()
        .build();
  }

  static ServicePort port(String name, int port) {
    return new ServicePortBuilder()
        .withName(name)
        .withPort(port)
        .withTargetPort(new IntOrString(port))
        .withProtocol("TCP")
        .build();
  }
}
