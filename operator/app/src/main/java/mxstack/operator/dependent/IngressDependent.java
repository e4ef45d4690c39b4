package mxstack.operator.dependent;

import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import mxstack.operator.MatrixDeployment;
import mxstack.operator.OperatorPlan;
import mxstack.operator.ResourceNames;

/**
 * Public hosts to the router: the homeserver's host and MAS's (everything), and the server name's
 * host (only /.well-known/matrix, when it is another host).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ResourceNames.MANAGED_SELECTOR))
public class IngressDependent extends NamedDependent<Ingress> {

  /** Creates the dependent. */
  public IngressDependent() {
    super(Ingress.class);
  }

  @Override
  protected String objectName(MatrixDeployment md) {
    return ResourceNames.ingress(md);
  }

  @Override
  protected Ingress desired(MatrixDeployment md, Context<MatrixDeployment> context) {
    OperatorPlan plan = Plans.of(context);
    var spec = plan.spec();
    Set<String> fullHosts = new LinkedHashSet<>();
    fullHosts.add(URI.create(spec.homeserver().publicBaseUrl()).getHost());
    if (plan.masMode()) {
      fullHosts.add(URI.create(spec.auth().mas().publicBaseUrl()).getHost());
    }
    String serverHost = spec.serverName().replaceAll(":\\d+$", "");
    List<IngressRule> rules = new ArrayList<>();
    for (String host : fullHosts) {
      rules.add(rule(md, host, "/"));
    }
    if (!fullHosts.contains(serverHost) && spec.wellKnown().enabled()) {
      rules.add(rule(md, serverHost, "/.well-known/matrix"));
    }
    Set<String> allHosts = new LinkedHashSet<>(fullHosts);
    if (spec.wellKnown().enabled()) {
      allHosts.add(serverHost);
    }
    List<IngressTLS> tls = new ArrayList<>();
    if (spec.ingress().tlsSecretName() != null) {
      tls.add(
          new IngressTLSBuilder()
              .withHosts(new ArrayList<>(allHosts))
              .withSecretName(spec.ingress().tlsSecretName())
              .build());
    }
    return new IngressBuilder()
        .withNewMetadata()
        .withName(objectName(md))
        .withNamespace(md.getMetadata().getNamespace())
        .withLabels(ResourceNames.labels(md, "router"))
        .withAnnotations(spec.ingress().annotations())
        .endMetadata()
        .withNewSpec()
        .withIngressClassName(spec.ingress().className())
        .withRules(rules)
        .withTls(tls)
        .endSpec()
        .build();
  }

  private static IngressRule rule(MatrixDeployment md, String host, String path) {
    HTTPIngressPath route =
        new HTTPIngressPathBuilder()
            .withPath(path)
            .withPathType("Prefix")
            .withNewBackend()
            .withNewService()
            .withName(ResourceNames.router(md))
            .withNewPort()
            .withName("http")
            .endPort()
            .endService()
            .endBackend()
            .build();
    return new IngressRuleBuilder().withHost(host).withNewHttp().withPaths(route).endHttp().build();
  }
}
