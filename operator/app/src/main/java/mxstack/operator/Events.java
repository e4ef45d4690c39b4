package mxstack.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;

/** Events on a MatrixDeployment, from the source {@code mxstack-operator}. Never secret values. */
public final class Events {

  private Events() {}

  /** A Normal event. */
  public static void normal(
      MatrixDeployment md, Context<MatrixDeployment> context, String reason, String message) {
    emit(md, context, "Normal", reason, message);
  }

  /** A Warning event. */
  public static void warning(
      MatrixDeployment md, Context<MatrixDeployment> context, String reason, String message) {
    emit(md, context, "Warning", reason, message);
  }

  private static void emit(
      MatrixDeployment md,
      Context<MatrixDeployment> context,
      String type,
      String reason,
      String message) {
    String now = Instant.now().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(md.getMetadata().getName() + "-")
            .withNamespace(md.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(md.getApiVersion())
            .withKind(md.getKind())
            .withName(md.getMetadata().getName())
            .withNamespace(md.getMetadata().getNamespace())
            .withUid(md.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message.length() > 1000 ? message.substring(0, 997) + "..." : message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent("mxstack-operator")
            .endSource()
            .build();
    try {
      context
          .getClient()
          .v1()
          .events()
          .inNamespace(md.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (RuntimeException e) {
      // an event is a courtesy; the status carries the same message
    }
  }
}
