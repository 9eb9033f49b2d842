#!/usr/bin/env bash
# Soak test of `logspan run`: rotation, SIGKILL restarts and a collector
# outage while HAProxy lines stream in; fails when a line is lost, logspan
# does not stop cleanly or its memory grows. Flags go to scripts/soak, e.g.
#   scripts/soak.sh -duration 40s -rate 1000 -rotate 4s -kills 2 -outage 8s
# -logrotate FILE rotates with the real logrotate and the directives in FILE
# (scripts/soak/*.conf) instead of renaming:
#   scripts/soak.sh -logrotate scripts/soak/compress-delaycompress.conf
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./scripts/soak "$@"
