#!/usr/bin/env bash
# The operator in a process of its own against a Fabric8 mock API server (CRUD mode) in another:
# time for N MatrixDeployments created at once to reach their objects and status, and the
# operator's RSS. The mock server has no server-side apply, so the operator is packaged for this
# run with SSA off (a build-time setting) into target/bench-app, apart from the real build.
# Usage: bench/operator-scale.sh [count]   (default 200). JVM flags: OPERATOR_JAVA_OPTS, by default
# the ones deploy/operator-deployment.yaml gives the operator (JAVA_OPTS_APPEND). Adding
# -XX:NativeMemoryTracking=summary also prints the JVM's memory by area and a class histogram.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"
./mvnw -q -B -pl operator/core,operator/standalone install -DskipTests -DskipITs -Dspotless.check.skip=true
./mvnw -q -B -pl operator/app package test-compile -DskipTests -DskipITs -Dspotless.check.skip=true \
  -Dquarkus.operator-sdk.enable-ssa=false -Dquarkus.package.output-directory=bench-app
cd operator/app
cp="target/test-classes:target/classes:$(../../mvnw -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test 2>/dev/null)"
deployed=$(awk '/name: JAVA_OPTS_APPEND/ {f = 1} f && /value:/ {sub(/^ *value: "/, ""); sub(/"$/, ""); print; exit}' \
  ../../deploy/operator-deployment.yaml)
opts="${OPERATOR_JAVA_OPTS:-$deployed}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" # as the Deployment sets it
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "operator JVM flags: $opts"
java -cp "$cp" mxstack.operator.OperatorScaleBench "$port" "$count" java $opts -jar target/bench-app/quarkus-run.jar
