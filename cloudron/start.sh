#!/bin/bash
# Cloudron runs this as root. The Java supervisor does the rest: it renders the configs from the
# CLOUDRON_* variables and /app/data/matrix.yaml and runs nginx, Synapse and MAS as "cloudron".
# tini is PID 1: it reaps orphaned processes and passes SIGTERM on to the supervisor, which
# stops its children in reverse order.
set -eu
mkdir -p /run/mxstack /app/data
chown -R cloudron:cloudron /app/data
# Fewer glibc malloc arenas: the supervisor's threads would otherwise each grow their own.
export MALLOC_ARENA_MAX=2
# The resident supervisor needs two jars (a short class path starts faster); the planning step it
# runs gets the whole application.
# Its class-data archive is built with the image (Dockerfile) and saves a fifth of its start.
exec /usr/bin/tini -- java @/app/code/jvm.options \
  -XX:SharedArchiveFile=/app/code/mxstack/supervisor.jsa \
  -Dmxstack.plan.classpath='/app/code/mxstack/lib/main/*' \
  -cp '/app/code/mxstack/supervisor/*' mxstack.standalone.cloudron.CloudronMain
