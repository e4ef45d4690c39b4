#!/usr/bin/env bash
# Operator benchmark on the Fabric8 mock server: first reconcile, no-op reconcile writes, 200
# MatrixDeployments at once, memory. Prints figures (see docs/kubernetes.md for recorded ones).
# Usage: bench/operator.sh [count]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl operator/core,operator/standalone install -DskipTests -DskipITs -Dspotless.check.skip=true
./mvnw -B -pl operator/app test -Dtest=OperatorBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dspotless.check.skip=true -Dbench.count="${1:-200}" -DargLine="-Xmx512m" 2>&1 \
  | grep -E '^(mxstack operator benchmark|[0-9]\. )'
