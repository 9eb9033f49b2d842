#!/usr/bin/env bash
# Records the test logs under testdata/nginx, testdata/caddy and
# testdata/postgresql from the real programs (Debian 12: nginx 1.22, Caddy
# 2.6, PostgreSQL 15), so that the shipped rules are proven on what these
# programs really write. Needs root to install and to run PostgreSQL as the
# postgres user:
#   apt-get install -y nginx caddy postgresql curl python3
#   scripts/record-testdata.sh caddy|nginx|postgresql|all
# Nothing is enabled as a system service: each program runs in the
# foreground of this script with its own config and data under a temporary
# directory, on 127.0.0.1 high ports, and is stopped at the end. The
# requests are the same for both proxies (see send_http_requests); their
# trace ids are fixed so that tests can name them. Times, ports and pids in
# the recorded lines are whatever the run gave: re-recording changes them,
# so re-run `go test ./internal/pipeline -run Golden -update` and review.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=$(mktemp -d /tmp/logspan-record.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# backend: a small HTTP server playing the upstream. /slow answers after
# 3 s (past the proxies' 1 s timeout: a 504), a path with /fail answers
# 500, anything else 200 after 5 ms.
start_backend() {
	cat >"$work/backend.py" <<'EOF'
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        if self.path.startswith("/slow"): time.sleep(3)
        else: time.sleep(0.005)
        code = 500 if "/fail" in self.path else 200
        body = b'{"ok":true}\n'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = do_any
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 18099), H).serve_forever()
EOF
	python3 "$work/backend.py" &
	pids+=($!)
	wait_port 18099
}

# wait_port PORT: until something listens there (a TCP connect, no request
# that would be logged).
wait_port() {
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# send_http_requests PORT: the requests both proxies get, in this order.
# /api/* goes to the backend, /down to a closed port (502), /slow times out
# (504), /static is answered by the proxy itself.
send_http_requests() {
	local u="http://127.0.0.1:$1" c=(curl -s -o /dev/null -A logspan-record/1)
	"${c[@]}" -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' "$u/api/orders?id=7"
	"${c[@]}" -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
		-H 'tracestate: congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' -X POST -d '{"item":42}' "$u/api/orders"
	"${c[@]}" -H 'traceparent: 00-5e2a1f0c9b8d4e7fa6b3c2d1e0f9a8b7-1a2b3c4d5e6f7081-00' "$u/api/items"
	"${c[@]}" -H 'b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' "$u/api/items?page=2"
	"${c[@]}" -H 'b3: 80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-0' "$u/api/items?page=3"
	"${c[@]}" -H 'traceparent: 00-11111111111111111111111111111111-2222222222222222-01' "$u/down"
	"${c[@]}" -H 'traceparent: 00-33333333333333333333333333333333-4444444444444444-01' "$u/slow"
	"${c[@]}" -H 'traceparent: 00-55555555555555555555555555555555-6666666666666666-01' "$u/api/fail"
	"${c[@]}" "$u/static/logo.png"
	"${c[@]}" -H 'traceparent: 00-77777777777777777777777777777777-8888888888888888-01' -X DELETE "$u/api/orders/7"
}

record_caddy() {
	local d="$work/caddy"
	mkdir -p "$d"
	cat >"$d/Caddyfile" <<EOF
{
	admin off
	auto_https off
}
http://127.0.0.1:18080 {
	log {
		output file $d/access.log
	}
	handle /api/* {
		reverse_proxy 127.0.0.1:18099
	}
	handle /down {
		reverse_proxy 127.0.0.1:18098
	}
	handle /slow {
		reverse_proxy 127.0.0.1:18099 {
			transport http {
				response_header_timeout 1s
			}
		}
	}
	handle {
		respond "static" 200
	}
}
EOF
	XDG_DATA_HOME=$d XDG_CONFIG_HOME=$d caddy run --config "$d/Caddyfile" --adapter caddyfile 2>"$d/caddy.stderr" &
	pids+=($!)
	wait_port 18080
	send_http_requests 18080
	sleep 0.5
	mkdir -p testdata/caddy
	cp "$d/access.log" testdata/caddy/access.log
	# Caddy's own log (stderr): its http.log.error lines also carry a
	# request, a duration and a status; the shipped rule must not take them.
	grep '"logger":"http.log.error' "$d/caddy.stderr" >testdata/caddy/stderr.log
	echo "testdata/caddy/access.log: $(wc -l <testdata/caddy/access.log) lines"
}

case "${1:-all}" in
caddy) start_backend; record_caddy ;;
nginx) start_backend; record_nginx ;;
postgresql) record_postgresql ;;
all) start_backend; record_caddy; record_nginx; record_postgresql ;;
*) echo "usage: $0 caddy|nginx|postgresql|all" >&2; exit 2 ;;
esac
