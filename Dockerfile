# syntax=docker/dockerfile:1
# The Cloudron app image: the mxstack supervisor (Java), Synapse from PyPI in a venv, and the MAS
# release. Both stages start from the same pinned Cloudron base image.
#
# MAS is downloaded from its GitHub release and must match MAS_SHA256, the sha256 of
# mas-cli-x86_64-linux.tar.gz for MAS_VERSION. Take it from the release page (or compute it from
# a download you have verified) and build with:
#   docker build --build-arg MAS_SHA256=<sha256> -t <registry>/mxstack:<tag> .
# The build fails when the checksum is missing or wrong.

ARG CLOUDRON_BASE=cloudron/base:5.0.0@sha256:04fd70dbd8ad6149c19de39e35718e024417c3e01dc9c6637eaf4a41ec4e596c

FROM ${CLOUDRON_BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# One artifact, two modes: the Quarkus application (Kubernetes mode, `java -jar quarkus-run.jar`)
# also carries the Cloudron supervisor, started from its plain main class on the same jars.
RUN ./mvnw -B -q -pl operator/app -am package -DskipTests -DskipITs -Dspotless.check.skip=true \
 && mkdir -p /out \
 && cp -r operator/app/target/quarkus-app /out/mxstack

FROM ${CLOUDRON_BASE}
ARG MAS_VERSION=1.22.0
ARG MAS_SHA256=

# A JRE for the supervisor, tini as PID 1 (reaps orphans, passes signals on), psql (MAS's
# prepare-schema step and the login check), and what Synapse's venv needs to build psycopg2.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless tini postgresql-client python3-venv python3-dev libpq-dev \
      build-essential \
 && rm -rf /var/lib/apt/lists/*

# Synapse: the same hash-pinned requirements the tests install (scripts/setup-synapse-venv.sh).
COPY cloudron/synapse-requirements.txt /app/code/synapse-requirements.txt
RUN python3 -m venv /app/code/synapse \
 && /app/code/synapse/bin/pip install --no-cache-dir --require-hashes --no-deps \
      -r /app/code/synapse-requirements.txt \
 && apt-get purge -y build-essential python3-dev && apt-get autoremove -y

# MAS: the release tarball, checked against the pinned sha256, with its share/ assets.
RUN test -n "${MAS_SHA256}" || { echo "MAS_SHA256 build argument is required (see the top of this Dockerfile)" >&2; exit 1; } \
 && mkdir -p /app/code/mas \
 && curl -fsSL -o /tmp/mas.tar.gz \
      "https://github.com/element-hq/matrix-authentication-service/releases/download/v${MAS_VERSION}/mas-cli-x86_64-linux.tar.gz" \
 && echo "${MAS_SHA256}  /tmp/mas.tar.gz" | sha256sum -c - \
 && tar -xzf /tmp/mas.tar.gz -C /app/code/mas \
 && rm /tmp/mas.tar.gz \
 && test -x /app/code/mas/mas-cli && test -f /app/code/mas/share/policy.wasm

COPY --from=build /out/mxstack /app/code/mxstack
# The resident supervisor's class path (start.sh): only the two jars it loads from.
RUN mkdir /app/code/mxstack/supervisor \
 && ln -s /app/code/mxstack/lib/main/mxstack.mxstack-core-*.jar \
      /app/code/mxstack/lib/main/mxstack.mxstack-standalone-*.jar /app/code/mxstack/supervisor/ \
 && test "$(ls /app/code/mxstack/supervisor | wc -l)" = 2
COPY cloudron/jvm.options /app/code/jvm.options
COPY cloudron/start.sh /app/code/start.sh

# A class-data archive for the planning step (it runs at every boot and every edit), trained on
# one planning run against a throwaway simulated Cloudron. It is tied to this JDK build and jar.
RUN mkdir -p /tmp/train \
 && env CLOUDRON_APP_DOMAIN=matrix.example.com CLOUDRON_APP_ORIGIN=https://matrix.example.com \
      CLOUDRON_POSTGRESQL_HOST=postgresql CLOUDRON_POSTGRESQL_PORT=5432 \
      CLOUDRON_POSTGRESQL_USERNAME=user CLOUDRON_POSTGRESQL_PASSWORD=train \
      CLOUDRON_POSTGRESQL_DATABASE=db MXSTACK_DATA_DIR=/tmp/train/data MXSTACK_RUN_DIR=/tmp/train/run \
      MXSTACK_RUN_AS= \
    java -XX:ArchiveClassesAtExit=/app/code/mxstack/plan.jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp '/app/code/mxstack/lib/main/*' mxstack.standalone.cloudron.CloudronPlanStep --first-start \
      > /dev/null \
 && rm -rf /tmp/train
ENV MXSTACK_CDS_ARCHIVE=/app/code/mxstack/plan.jsa
# And one for the resident supervisor (start.sh), trained the way start.sh runs it on two starts
# against a throwaway simulated Cloudron: the first plans, the second starts from the saved plan
# and so leaves the classes of the common start in the archive. There is no database at build
# time, so Synapse and MAS fail and are retried; the archive needs the supervisor's own classes.
# Each run ends with SIGTERM, on which the supervisor stops its children and exits normally,
# which is when the JVM writes the archive.
RUN mkdir -p /tmp/train \
 && for start in first second; do \
      env CLOUDRON_APP_DOMAIN=matrix.example.com CLOUDRON_APP_ORIGIN=https://matrix.example.com \
        CLOUDRON_POSTGRESQL_HOST=127.0.0.1 CLOUDRON_POSTGRESQL_PORT=5432 \
        CLOUDRON_POSTGRESQL_USERNAME=user CLOUDRON_POSTGRESQL_PASSWORD=train \
        CLOUDRON_POSTGRESQL_DATABASE=db MXSTACK_DATA_DIR=/tmp/train/data \
        MXSTACK_RUN_DIR=/tmp/train/run MXSTACK_RUN_AS= \
      timeout -s TERM 20 java @/app/code/jvm.options \
        -XX:ArchiveClassesAtExit=/app/code/mxstack/supervisor.jsa \
        -Dmxstack.plan.classpath='/app/code/mxstack/lib/main/*' \
        -cp '/app/code/mxstack/supervisor/*' mxstack.standalone.cloudron.CloudronMain \
        > /tmp/train/$start.log 2>&1 || true; \
    done \
 && grep -q 'starting from the saved plan' /tmp/train/second.log \
 && test -s /app/code/mxstack/supervisor.jsa \
 && rm -rf /tmp/train
RUN printf '#!/bin/sh\nexec java @/app/code/jvm.options -cp "/app/code/mxstack/lib/main/*" mxstack.standalone.cli.Matrixctl "$@"\n' \
      > /app/code/matrixctl \
 && chmod +x /app/code/matrixctl /app/code/start.sh

CMD [ "/app/code/start.sh" ]
