#!/bin/bash
# Cloudron runs this as root. The Java supervisor does the rest: it renders the configs from the
# CLOUDRON_* variables and /app/data/matrix.yaml and runs nginx, Synapse and MAS as "cloudron".
# tini is PID 1: it reaps orphaned processes and passes SIGTERM on to the supervisor, which
# stops its children in reverse order.
set -eu
mkdir -p /run/mxstack /app/data
chown -R cloudron:cloudron /app/data
exec /usr/bin/tini -- java @/app/code/jvm.options -jar /app/code/mxstack/mxstack-standalone.jar supervise
