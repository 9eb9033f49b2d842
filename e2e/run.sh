#!/usr/bin/env bash
# End-to-end test of `logspan run` with a real nginx, HAProxy, Caddy,
# PostgreSQL and Jaeger, on loopback only:
#
#   client --HTTP--> nginx --> HAProxy --> backend --SQL--> PostgreSQL
#      |  \--HTTP--> HAProxy ----------^  ^      |                |
#      |   \-HTTP--> Caddy ----------------+      |                |
#      |    nginx.json.log, haproxy.log (syslog   |   postgresql.json
#      |    via logsink), caddy.log  --> logspan run <-- (jsonlog)
#      |                                    |     |
#      +--OTLP/gRPC--> Jaeger v2 (memory) <-+-----+
#
# The client sends a few hundred requests through HAProxy's two HTTP
# frontends (one rewriting traceparent, one plain, see e2e/haproxy.cfg),
# through nginx (the README's log format and forwarding recipe) in front of
# the rewriting one, through Caddy (its default JSON access log) in front of
# the backend, and one through HAProxy's TCP frontend. On some routes
# the backend runs SQL in a throwaway PostgreSQL cluster (initdb here), each
# statement with a sqlcommenter comment naming its database span. logspan
# follows the four logs, each with its shipped rules (the inputs: of the
# rules file made here). Midway the logs are rotated by rename (the sink
# reopens haproxy.log on SIGHUP, as rsyslog does; nginx on SIGUSR1) and
# logspan is restarted with SIGTERM. Then e2e/cmd/check verifies every trace through
# Jaeger's query API: client span -> [exactly one nginx span ->] exactly one
# HAProxy span (or Caddy span) -> backend span [-> database span ->
# PostgreSQL's spans].
#
# Usage: e2e/run.sh [flags for e2e/cmd/check, e.g. -png /tmp/trace.png]
#
# Needs Go, the Go module proxy, Debian's nginx, caddy and postgresql; installs
# Debian's haproxy with apt-get when it is missing. As root, PostgreSQL runs
# as the user postgres (or nobody). The first run builds Jaeger from
# e2e/jaeger (about 6 minutes of CPU and 2.3 GB of memory) into
# ${XDG_CACHE_HOME:-~/.cache}/logspan-e2e/jaeger-VERSION, and later runs reuse
# it. Environment (all optional):
#   E2E_REQUESTS   HTTP requests to send (300)
#   E2E_DURATION   seconds to spread them over (24)
#   E2E_WORKDIR    where logs and state go (a new /tmp/logspan-e2e.XXXXXX)
#   E2E_KEEP=1     keep the work directory after a success too
#   E2E_JAEGER_BIN a Jaeger v2 binary to use instead of building one
#   E2E_BUILD_P    go build -p for logspan and the e2e programs (Go's default)
#   E2E_RULES      the e2e rules (e2e/rules.yaml); run.sh adds the shipped
#                  rules the other programs need and the inputs:
#   E2E_LOGSPAN    a logspan binary to test (default: built from this checkout)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

REQUESTS=${E2E_REQUESTS:-300}
DURATION=${E2E_DURATION:-24}
RULES=${E2E_RULES:-e2e/rules.yaml}
JAEGER_VERSION=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2 }' e2e/jaeger/go.mod)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/logspan-e2e
JAEGER_BIN=${E2E_JAEGER_BIN:-$CACHE/jaeger-$JAEGER_VERSION}
WORK=${E2E_WORKDIR:-$(mktemp -d /tmp/logspan-e2e.XXXXXX)}
BIN=$WORK/bin
mkdir -p "$BIN" "$WORK/log" "$WORK/state"
T0=$SECONDS

log() { printf '[e2e %3ds] %s\n' $((SECONDS - T0)) "$*"; }
fail() { log "FAIL: $*"; exit 1; }

source "$ROOT/e2e/lib.sh"   # start, stop, free_port, wait_port
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
    stop "${ORDER[i]}" || true
  done
  if [ "$rc" -ne 0 ]; then
    echo
    log "FAILED (exit $rc); logs and state kept in $WORK"
    for f in log/haproxy.log.1 log/haproxy.log log/nginx.json.log.1 log/nginx.json.log log/caddy.log pg/log/postgresql.json nginx/error.log \
      haproxy-stderr.log nginx-stderr.log caddy-stderr.log postgres-stderr.log logsink.log backend.log client.log jaeger.log check.log logspan.log; do
      [ -s "$WORK/$f" ] || continue
      echo "----- tail of $WORK/$f"
      case $f in
      log/* | pg/log/*) tail -n 4 "$WORK/$f" ;; # the access logs
      *) tail -n 12 "$WORK/$f" ;;
      esac
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

for v in OTLP_PORT QUERY_PORT QUERY_GRPC_PORT BACKEND_PORT SINK_PORT REWRITE_PORT PLAIN_PORT TCP_PORT NGINX_PORT CADDY_PORT PG_PORT METRICS_PORT; do
  free_port "$v"
done

# --- what we need ---------------------------------------------------------
HAPROXY=${E2E_HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
if [ ! -x "$HAPROXY" ]; then
  log "installing haproxy (apt-get)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
  HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
fi
log "$("$HAPROXY" -v | head -n 1)"
NGINX=${E2E_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || fail "nginx is missing (Debian: apt-get install nginx)"
log "$("$NGINX" -v 2>&1)"
CADDY=${E2E_CADDY:-$(command -v caddy || echo /usr/bin/caddy)}
[ -x "$CADDY" ] || fail "Caddy is missing (Debian: apt-get install caddy)"
log "caddy $("$CADDY" version | head -n 1)"
PGBIN=${E2E_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || fail "PostgreSQL is missing (Debian: apt-get install postgresql)"
log "$("$PGBIN/postgres" --version)"

if [ ! -x "$JAEGER_BIN" ]; then
  log "building Jaeger $JAEGER_VERSION into $JAEGER_BIN (first run only: ~6 min of CPU, 2.3 GB of memory)"
  mkdir -p "$(dirname "$JAEGER_BIN")"
  (cd e2e/jaeger && CGO_ENABLED=0 nice -n 19 go build -p 1 -trimpath -o "$JAEGER_BIN.tmp.$$" github.com/jaegertracing/jaeger/cmd/jaeger) ||
    { rm -f "$JAEGER_BIN.tmp.$$"; fail "Jaeger build"; }
  mv "$JAEGER_BIN.tmp.$$" "$JAEGER_BIN"
  log "Jaeger built"
else
  log "reusing $JAEGER_BIN"
fi

log "building logspan and e2e/cmd/* (module e2e) into $BIN"
go build ${E2E_BUILD_P:+-p "$E2E_BUILD_P"} -o "$BIN/" ./cmd/logspan
(cd e2e && go build ${E2E_BUILD_P:+-p "$E2E_BUILD_P"} -o "$BIN/" ./cmd/...)
if [ -n "${E2E_LOGSPAN:-}" ]; then
  cp "$E2E_LOGSPAN" "$BIN/logspan"
fi
"$BIN/logspan" version

# The rules: e2e/rules.yaml (HAProxy's, with the captures of haproxy.cfg),
# the shipped rules of the other programs as they are in ../rules.yaml, and
# one input per log.
shipped_rule() { # name: that rule's block of rules.yaml
  awk -v n="$1" '/^  - name: / { on = ($3 == n) } /^[^ #]/ { on = 0 } on' rules.yaml
}
{
  cat "$RULES"
  echo
  echo "  # ----- added by e2e/run.sh: the shipped rules, from rules.yaml"
  for r in nginx_json caddy postgresql_jsonlog postgresql_jsonlog_error postgresql_jsonlog_other; do
    block=$(shipped_rule "$r")
    [ -n "$block" ] || fail "rules.yaml has no rule $r"
    printf '%s\n' "$block"
  done
  cat <<EOF

inputs:
  - paths: ['$WORK/log/haproxy.log*']
    rules: [haproxy_http, haproxy_tcp]
    start: beginning
  - paths: ['$WORK/log/nginx.json.log*']
    rules: [nginx_json]
    start: beginning
  - paths: ['$WORK/log/caddy.log*']
    rules: [caddy]
    start: beginning
  - paths: ['$WORK/pg/log/postgresql*.json']
    rules: [postgresql_jsonlog, postgresql_jsonlog_error, postgresql_jsonlog_other]
    start: beginning
EOF
} >"$WORK/rules.yaml"
"$BIN/logspan" check --config "$WORK/rules.yaml"

# nginx: the README's log formats and forwarding maps, verbatim (the first
# block without its access_log line, which names a system path), and a
# server as the README's third block, in front of fe_rewrite.
readme_nginx_block() { # N: the Nth nginx block of "See nginx in your traces"
  awk -v n="$1" '
    /^## / { sec = ($0 == "## See nginx in your traces") }
    sec && /^```nginx$/ { k++; blk = (k == n); next }
    blk && /^```$/ { blk = 0; next }
    blk' README.md
}
readme_nginx_block 3 | grep -q 'proxy_set_header traceparent $forwarded_traceparent;' ||
  fail "README's nginx server block does not forward \$forwarded_traceparent"
mkdir -p "$WORK/nginx"
chmod 755 "$WORK" # nginx's workers run as nobody when run.sh is root
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
$(readme_nginx_block 1 | grep -v '^access_log ')
$(readme_nginx_block 2)
    server {
        listen 127.0.0.1:$NGINX_PORT;
        access_log $WORK/log/nginx.json.log logspan_json_fwd;
        location / {
            proxy_set_header traceparent \$forwarded_traceparent;
            proxy_pass http://127.0.0.1:$REWRITE_PORT;
        }
    }
}
EOF
"$NGINX" -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" || fail "nginx -t (see $WORK/nginx/nginx.conf)"

# Caddy: as the README's example (log to a file, reverse_proxy), on
# loopback without its admin API or automatic HTTPS.
mkdir -p "$WORK/caddy"
cat >"$WORK/caddy/Caddyfile" <<EOF
{
	admin off
	auto_https off
}
http://127.0.0.1:$CADDY_PORT {
	log {
		output file $WORK/log/caddy.log
	}
	reverse_proxy 127.0.0.1:$BACKEND_PORT
}
EOF

# --- start ----------------------------------------------------------------
log "starting Jaeger (OTLP 127.0.0.1:$OTLP_PORT, query http://127.0.0.1:$QUERY_PORT)"
E2E_JAEGER_OTLP_PORT=$OTLP_PORT E2E_JAEGER_QUERY_PORT=$QUERY_PORT E2E_JAEGER_QUERY_GRPC_PORT=$QUERY_GRPC_PORT \
  start jaeger "$WORK/jaeger.log" "$JAEGER_BIN" --config "$ROOT/e2e/jaeger/config.yaml"
for ((i = 0; ; i++)); do
  "$BIN/check" -ready -timeout 1s -jaeger "http://127.0.0.1:$QUERY_PORT" >>"$WORK/check.log" 2>&1 && break
  kill -0 "${PIDS[jaeger]}" 2>/dev/null || fail "Jaeger exited (see ${LOGS[jaeger]})"
  [ "$i" -lt 60 ] || fail "Jaeger's query API did not answer in 60 s (see ${LOGS[jaeger]})"
done
wait_port jaeger "$OTLP_PORT" 30

# PostgreSQL: a throwaway cluster, every statement logged with its duration
# to jsonlog (README: "See PostgreSQL in your traces"). initdb and postgres
# refuse to run as root: as root they run as postgres (Debian's package
# makes it), else as nobody.
PG=$WORK/pg
mkdir -p "$PG"
AS=()
if [ "$(id -u)" -eq 0 ]; then
  pguser=postgres
  id "$pguser" >/dev/null 2>&1 || pguser=nobody
  chown "$pguser" "$PG"
  AS=(setpriv --reuid="$pguser" --regid="$(id -g "$pguser")" --clear-groups)
fi
log "initdb: a PostgreSQL cluster in $PG/data${AS:+ (as $pguser)}"
(cd "$PG" && "${AS[@]}" "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust -E UTF8 --locale=C >"$PG/initdb.log" 2>&1) ||
  fail "initdb (see $PG/initdb.log)"
cat >>"$PG/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
logging_collector = on
log_destination = 'jsonlog'
log_directory = '$PG/log'
log_filename = 'postgresql.log'
log_min_duration_statement = 0
log_timezone = 'UTC'
lc_messages = 'C'
fsync = off
synchronous_commit = off
EOF
log "starting PostgreSQL (127.0.0.1:$PG_PORT)"
start postgres "$WORK/postgres-stderr.log" "${AS[@]}" env -C "$PG" "$PGBIN/postgres" -D "$PG/data"
wait_port postgres "$PG_PORT" 30
for ((i = 0; ; i++)); do
  "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
  [ "$i" -lt 100 ] || fail "PostgreSQL is not ready after 10 s (see $WORK/postgres-stderr.log)"
  sleep 0.1
done
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
psql -d postgres -c 'CREATE DATABASE shop' || fail "CREATE DATABASE"
psql -d shop -c 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, hits int NOT NULL DEFAULT 0)' \
  -c "INSERT INTO items (id, name) SELECT i, 'item ' || i FROM generate_series(0, 999) AS i" || fail "the items table"

log "starting the backend (127.0.0.1:$BACKEND_PORT) and the syslog sink (udp 127.0.0.1:$SINK_PORT)"
start backend "$WORK/backend.log" "$BIN/backend" -listen "127.0.0.1:$BACKEND_PORT" -otlp "127.0.0.1:$OTLP_PORT" \
  -postgres "host=127.0.0.1 port=$PG_PORT user=postgres dbname=shop sslmode=disable"
start logsink "$WORK/logsink.log" "$BIN/logsink" -listen "127.0.0.1:$SINK_PORT" -file "$WORK/log/haproxy.log"
wait_port backend "$BACKEND_PORT" 30
for ((i = 0; i < 100; i++)); do [ -e "$WORK/log/haproxy.log" ] && break; sleep 0.1; done
[ -e "$WORK/log/haproxy.log" ] || fail "the sink did not create $WORK/log/haproxy.log"

log "starting HAProxy (rewrite :$REWRITE_PORT, plain :$PLAIN_PORT, tcp :$TCP_PORT)"
export E2E_SINK_PORT=$SINK_PORT E2E_REWRITE_PORT=$REWRITE_PORT E2E_PLAIN_PORT=$PLAIN_PORT \
  E2E_TCP_PORT=$TCP_PORT E2E_BACKEND_PORT=$BACKEND_PORT
"$HAPROXY" -c -q -f e2e/haproxy.cfg || fail "haproxy -c -f e2e/haproxy.cfg"
start haproxy "$WORK/haproxy-stderr.log" "$HAPROXY" -db -f e2e/haproxy.cfg
wait_port haproxy "$REWRITE_PORT" 30
wait_port haproxy "$PLAIN_PORT" 30
wait_port haproxy "$TCP_PORT" 30

log "starting nginx (:$NGINX_PORT, in front of fe_rewrite)"
start nginx "$WORK/nginx-stderr.log" "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
wait_port nginx "$NGINX_PORT" 30

log "starting Caddy (:$CADDY_PORT, in front of the backend)"
XDG_DATA_HOME=$WORK/caddy XDG_CONFIG_HOME=$WORK/caddy \
  start caddy "$WORK/caddy-stderr.log" "$CADDY" run --config "$WORK/caddy/Caddyfile" --adapter caddyfile
wait_port caddy "$CADDY_PORT" 30

start_logspan() {
  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$OTLP_PORT \
    start logspan "$WORK/logspan.log" "$BIN/logspan" run --config "$WORK/rules.yaml" \
    --state-dir "$WORK/state" --listen "127.0.0.1:$METRICS_PORT"
  wait_port logspan "$METRICS_PORT" 30
}
log "starting logspan run (following haproxy.log*, nginx.json.log* and caddy.log* in $WORK/log, postgresql*.json in $PG/log)"
start_logspan

# --- traffic, with a rotation and a restart midway -------------------------
log "client: $REQUESTS requests over ${DURATION}s, then one through the TCP frontend"
start client "$WORK/client.log" "$BIN/client" -requests "$REQUESTS" -duration "${DURATION}s" \
  -rewrite "http://127.0.0.1:$REWRITE_PORT" -plain "http://127.0.0.1:$PLAIN_PORT" -tcp "127.0.0.1:$TCP_PORT" \
  -nginx "http://127.0.0.1:$NGINX_PORT" -caddy "http://127.0.0.1:$CADDY_PORT" \
  -otlp "127.0.0.1:$OTLP_PORT" -out "$WORK/requests.json"
sleep $((DURATION / 3))
log "rotating: mv haproxy.log haproxy.log.1, SIGHUP to the sink; mv nginx.json.log nginx.json.log.1, SIGUSR1 to nginx"
mv "$WORK/log/haproxy.log" "$WORK/log/haproxy.log.1"
kill -HUP "${PIDS[logsink]}"
mv "$WORK/log/nginx.json.log" "$WORK/log/nginx.json.log.1"
kill -USR1 "${PIDS[nginx]}"
sleep $((DURATION / 3))
log "restarting logspan: SIGTERM, 1 s down, start with the same state directory"
stop logspan || fail "logspan exited with status $? on SIGTERM (see ${LOGS[logspan]})"
sleep 1
start_logspan
wait "${PIDS[client]}" || fail "the client failed (see $WORK/client.log)"
unset "PIDS[client]"
log "client done: $(grep -c . "$WORK/log/haproxy.log.1") + $(grep -c . "$WORK/log/haproxy.log") lines in haproxy.log.1 + haproxy.log," \
  "$(grep -c . "$WORK/log/nginx.json.log.1") + $(grep -c . "$WORK/log/nginx.json.log") in nginx.json.log.1 + nginx.json.log," \
  "$(grep -c . "$WORK/log/caddy.log") in caddy.log"

# --- verdict ---------------------------------------------------------------
log "checking the traces in Jaeger"
if ! "$BIN/check" -jaeger "http://127.0.0.1:$QUERY_PORT" -requests "$WORK/requests.json" -timeout 90s \
  -logspan-metrics "http://127.0.0.1:$METRICS_PORT/metrics" "$@" | tee "$WORK/summary.txt"; then
  exit 1
fi
stop logspan || fail "logspan exited with status $? on SIGTERM (see ${LOGS[logspan]})"
log "e2e passed in $((SECONDS - T0)) s"
