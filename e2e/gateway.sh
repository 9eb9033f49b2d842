#!/usr/bin/env bash
# A fleet behind a gateway, on loopback only: two log hosts, each with its
# own `logspan run`, export to an OpenTelemetry Collector gateway, which
# batches and forwards to the backend (Jaeger v2, memory storage):
#
#   haproxygen -> a/haproxy.log -> logspan run (a) --+
#                                                    +--> gateway --> Jaeger
#   haproxygen -> b/haproxy.log -> logspan run (b) --+    (Collector)
#
# The gateway is a second process of the same Jaeger v2 binary as the
# backend (a Collector distribution), with a collector-only configuration,
# e2e/gateway/gateway.yaml: otlp receiver -> batch -> otlp exporter with a
# sending queue and endless retries. The harness writes -n lines to each log
# over about 15 s, stops the gateway (SIGTERM) for 8 s in the middle of it,
# starts it again and waits until Jaeger holds every span exactly once:
# logspan derives span ids from the line, so a lost line is a missing span
# and a line sent twice a repeated id. Exit 0 only then.
#
# Usage: e2e/gateway.sh
#
# Needs Go and the Jaeger binary e2e/run.sh builds (run it once first, or
# set E2E_JAEGER_BIN). Environment (all optional):
#   E2E_LINES      lines per log host (1500)
#   E2E_DOWN       seconds the gateway stays down (8)
#   E2E_WORKDIR    where logs and state go (a new /tmp/logspan-gw.XXXXXX)
#   E2E_KEEP=1     keep the work directory after a success too
#   E2E_JAEGER_BIN a Jaeger v2 binary to use
#   E2E_LOGSPAN    a logspan binary to test (default: built from this checkout)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

LINES=${E2E_LINES:-1500}
DOWN=${E2E_DOWN:-8}
CHUNKS=30 # each log gets its lines in 30 appends, 0.5 s apart
JAEGER_VERSION=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2 }' e2e/jaeger/go.mod)
JAEGER_BIN=${E2E_JAEGER_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/logspan-e2e/jaeger-$JAEGER_VERSION}
WORK=${E2E_WORKDIR:-$(mktemp -d /tmp/logspan-gw.XXXXXX)}
BIN=$WORK/bin
mkdir -p "$BIN"
T0=$SECONDS

log() { printf '[gateway %3ds] %s\n' $((SECONDS - T0)) "$*"; }
fail() { log "FAIL: $*"; exit 1; }

source "$ROOT/e2e/lib.sh"   # start, stop, free_port, wait_port
cleanup() {
  local rc=$? i f
  trap - EXIT INT TERM
  for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
    stop "${ORDER[i]}" || true
  done
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc); logs and state kept in $WORK"
    for f in jaeger.log gateway.log logspan-a.log logspan-b.log check.log; do
      [ -s "$WORK/$f" ] || continue
      echo "----- tail of $WORK/$f"
      tail -n 12 "$WORK/$f"
    done
  elif [ "${E2E_KEEP:-}" = 1 ] || [ -n "${E2E_WORKDIR:-}" ]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for v in OTLP_PORT QUERY_PORT QUERY_GRPC_PORT GATEWAY_PORT METRICS_A METRICS_B; do
  free_port "$v"
done
# --- what we need ---------------------------------------------------------
[ -x "$JAEGER_BIN" ] || fail "no Jaeger binary at $JAEGER_BIN: run e2e/run.sh once (it builds it) or set E2E_JAEGER_BIN"
log "building logspan, haproxygen and check into $BIN"
go build -o "$BIN/" ./cmd/logspan ./internal/haproxygen/cmd/haproxygen
(cd e2e && go build -o "$BIN/" ./cmd/check)
if [ -n "${E2E_LOGSPAN:-}" ]; then
  cp "$E2E_LOGSPAN" "$BIN/logspan"
fi
"$BIN/logspan" version

# logspan's configuration: the settings a fleet behind a gateway needs, then
# the shipped rules.
{
  cat <<'YAML'
exporter:
  insecure: true         # plain gRPC to the gateway on loopback
  batch_size: 512
  flush_interval: 200ms
  max_in_flight: 4       # at most 4 batches unacknowledged; then reading waits
  retry:
    initial: 200ms
    max: 2s              # a returning gateway is tried again within 2 s
    max_elapsed: -1s     # never give a batch up: retry until the gateway takes it
daemon:
  poll_interval: 100ms
  shutdown_timeout: 15s
YAML
  sed -n '/^rules:/,$p' rules.yaml
} >"$WORK/logspan.yaml"
"$BIN/logspan" check --config "$WORK/logspan.yaml"

# --- start ----------------------------------------------------------------
log "starting Jaeger, the backend (OTLP 127.0.0.1:$OTLP_PORT, query http://127.0.0.1:$QUERY_PORT)"
E2E_JAEGER_OTLP_PORT=$OTLP_PORT E2E_JAEGER_QUERY_PORT=$QUERY_PORT E2E_JAEGER_QUERY_GRPC_PORT=$QUERY_GRPC_PORT \
  start jaeger "$WORK/jaeger.log" "$JAEGER_BIN" --config "$ROOT/e2e/jaeger/config.yaml"
"$BIN/check" -ready -timeout 60s -jaeger "http://127.0.0.1:$QUERY_PORT" >>"$WORK/check.log" 2>&1 ||
  fail "Jaeger's query API did not answer in 60 s (see $WORK/jaeger.log)"
wait_port jaeger "$OTLP_PORT" 30

start_gateway() {
  GW_GATEWAY_PORT=$GATEWAY_PORT GW_BACKEND_OTLP_PORT=$OTLP_PORT \
    start gateway "$WORK/gateway.log" "$JAEGER_BIN" --config "$ROOT/e2e/gateway/gateway.yaml"
  wait_port gateway "$GATEWAY_PORT" 30
}
log "starting the gateway (OTLP 127.0.0.1:$GATEWAY_PORT)"
start_gateway

for h in a b; do
  mkdir -p "$WORK/$h/log" "$WORK/$h/state"
  : >"$WORK/$h/log/haproxy.log"
done
log "starting logspan run on hosts a (:$METRICS_A) and b (:$METRICS_B), both exporting to the gateway"
for h in a b; do
  port=METRICS_${h^^}
  OTEL_EXPORTER_OTLP_ENDPOINT=127.0.0.1:$GATEWAY_PORT \
    start "logspan-$h" "$WORK/logspan-$h.log" "$BIN/logspan" run --config "$WORK/logspan.yaml" \
    --state-dir "$WORK/$h/state" --listen "127.0.0.1:${!port}" --start beginning "$WORK/$h/log/haproxy.log*"
  wait_port "logspan-$h" "${!port}" 30
done

# --- traffic, with the gateway down in the middle --------------------------
# Chunk i of host a uses seed 1000+i, of host b 2000+i: no two lines alike.
PER=$((LINES / CHUNKS))
TOTAL=$((2 * PER * CHUNKS))
log "writing $((PER * CHUNKS)) lines to each log over $((CHUNKS / 2)) s; the gateway goes down for ${DOWN} s at the 4th second"
down_at=8 up_at=$((8 + 2 * DOWN)) # in chunks (0.5 s each)
for ((i = 0; i < CHUNKS + 2 * DOWN; i++)); do
  if ((i < CHUNKS)); then
    "$BIN/haproxygen" -seed $((1000 + i)) -n "$PER" >>"$WORK/a/log/haproxy.log"
    "$BIN/haproxygen" -seed $((2000 + i)) -n "$PER" >>"$WORK/b/log/haproxy.log"
  fi
  if ((i == down_at)); then
    log "stopping the gateway (SIGTERM)"
    stop gateway || log "the gateway exited with status $?"
  fi
  if ((i == up_at)); then
    log "starting the gateway again"
    start_gateway
  fi
  ((i >= CHUNKS && i > up_at)) && break
  sleep 0.5
done
log "all $TOTAL lines written"

# --- verdict ---------------------------------------------------------------
log "waiting until Jaeger holds $TOTAL haproxy spans, each once"
if ! "$BIN/check" -jaeger "http://127.0.0.1:$QUERY_PORT" -count "$TOTAL" -timeout 90s -settle 3s | tee "$WORK/summary.txt"; then
  exit 1
fi
for h in a b; do
  port=METRICS_${h^^}
  curl -fsS "http://127.0.0.1:${!port}/metrics" 2>/dev/null | grep -E '^logspan_(spans_exported|spans_failed|export_calls|export_retries)_total ' |
    sed "s/^/  logspan-$h: /" || true
  stop "logspan-$h" || fail "logspan-$h exited with status $? on SIGTERM (see ${LOGS[logspan-$h]})"
done
log "gateway e2e passed in $((SECONDS - T0)) s"
