#!/usr/bin/env bash
# Operator benchmark on a real control plane: the packaged operator (production build, server-side
# apply on, its ServiceAccount's token, the JVM flags of deploy/operator-deployment.yaml) in a
# process of its own against kube-apiserver, etcd and kube-controller-manager started on this
# machine (scripts/setup-control-plane.sh builds them once). Prints: requests and time of a first
# reconcile, writes of no-op reconciles, time for N MatrixDeployments created at once, operator
# RSS, and steady-state CPU-seconds a minute with N idle MatrixDeployments. Figures recorded in
# docs/kubernetes.md. Takes 10-20 minutes for 200.
# Usage: bench/operator.sh [count]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"
export "$(bash scripts/setup-control-plane.sh | grep '^MXSTACK_CONTROL_PLANE_BIN=')"
./mvnw -q -B -pl operator/core,operator/standalone install -DskipTests -DskipITs -Dspotless.check.skip=true
./mvnw -q -B -pl operator/app package test-compile -DskipTests -DskipITs -Dspotless.check.skip=true
cd operator/app
cp="target/test-classes:target/classes:$(../../mvnw -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test 2>/dev/null)"
java -Xmx512m -cp "$cp" mxstack.operator.OperatorBench "$count"
