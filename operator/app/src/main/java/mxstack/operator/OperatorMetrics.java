package mxstack.operator;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The operator SDK's reconcile metrics (reconciliations_started_total, _success_total,
 * _execution_duration_seconds, ...) recorded into the application's meter registry, which
 * /q/metrics serves. quarkus-operator-sdk 7.7.3's own producer hands the operator its metrics
 * before Micrometer has bound them to a registry, so outside the test profile the packaged operator
 * ran with no-op metrics (quarkiverse/quarkus-operator-sdk issue 1385); this producer takes the
 * registry directly and replaces that default bean. It can go once the extension is on a release
 * with the upstream fix.
 */
@Singleton
public class OperatorMetrics {

  @Produces
  @Singleton
  Metrics metrics(MeterRegistry registry) {
    return MicrometerMetricsV2.newBuilder(registry).build();
  }
}
