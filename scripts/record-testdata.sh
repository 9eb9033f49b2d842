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
	python3 "$work/backend.py" 2>/dev/null &
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
	"${c[@]}" -H 'traceparent: 00-99999999999999999999999999999999-aaaaaaaaaaaaaaaa-01' "$u/api/retry"
	"${c[@]}" -H 'traceparent: 00-99999999999999999999999999999999-bbbbbbbbbbbbbbbb-01' "$u/api/retry?again=1"
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

# The nginx formats and the forwarding recipe, exactly as README.md shows
# them ("See nginx in your traces").
nginx_formats() {
	cat <<'EOF'
    log_format logspan_text '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                            '"$http_referer" "$http_user_agent" msec=$msec request_time=$request_time '
                            'scheme=$scheme host="$host" upstream_addr="$upstream_addr" '
                            'upstream_status="$upstream_status" upstream_connect_time="$upstream_connect_time" '
                            'upstream_header_time="$upstream_header_time" '
                            'upstream_response_time="$upstream_response_time" '
                            'traceparent="$http_traceparent" tracestate="$http_tracestate" b3="$http_b3"';

    log_format logspan_json escape=json '{"msec":$msec,"request_time":$request_time,'
        '"remote_addr":"$remote_addr","remote_port":"$remote_port","scheme":"$scheme","host":"$host",'
        '"request_method":"$request_method","request_uri":"$request_uri","server_protocol":"$server_protocol",'
        '"status":$status,"body_bytes_sent":$body_bytes_sent,"request_length":$request_length,'
        '"http_user_agent":"$http_user_agent","upstream_addr":"$upstream_addr",'
        '"upstream_status":"$upstream_status","upstream_connect_time":"$upstream_connect_time",'
        '"upstream_header_time":"$upstream_header_time","upstream_response_time":"$upstream_response_time",'
        '"http_traceparent":"$http_traceparent","http_tracestate":"$http_tracestate","http_b3":"$http_b3"}';
EOF
}

# nginx_forwarding: the maps that build the traceparent nginx sends on, and
# the JSON format that logs it.
nginx_forwarding() {
	cat <<'EOF'
    # nginx's span id: the first 16 hex digits of the random $request_id.
    map $request_id $span_id {
        "~^(?<id>[0-9a-f]{16})" $id;
    }
    # Same trace and flags as the caller's valid traceparent, nginx's span id
    # as the parent-id; a new trace (sampled) when none came in.
    map $http_traceparent $forwarded_traceparent {
        "~^00-(?!0{32})(?<trace>[0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-(?<flags>[0-9a-f]{2})$" "00-$trace-$span_id-$flags";
        default "00-$request_id-$span_id-01";
    }

    log_format logspan_json_fwd escape=json '{"msec":$msec,"request_time":$request_time,'
        '"remote_addr":"$remote_addr","remote_port":"$remote_port","scheme":"$scheme","host":"$host",'
        '"request_method":"$request_method","request_uri":"$request_uri","server_protocol":"$server_protocol",'
        '"status":$status,"body_bytes_sent":$body_bytes_sent,"request_length":$request_length,'
        '"http_user_agent":"$http_user_agent","upstream_addr":"$upstream_addr",'
        '"upstream_status":"$upstream_status","upstream_connect_time":"$upstream_connect_time",'
        '"upstream_header_time":"$upstream_header_time","upstream_response_time":"$upstream_response_time",'
        '"http_traceparent":"$http_traceparent","http_tracestate":"$http_tracestate","http_b3":"$http_b3",'
        '"forwarded_traceparent":"$forwarded_traceparent"}';
EOF
}

# nginx_locations: where the recorded requests go (see send_http_requests).
nginx_locations() {
	cat <<'EOF'
        proxy_read_timeout 1s;
        location /api/retry { proxy_pass http://retry; }
        location /api/ { proxy_pass http://127.0.0.1:18099; }
        location /down { proxy_pass http://127.0.0.1:18098; }
        location /slow { proxy_pass http://127.0.0.1:18099; }
        location / { return 200 "static\n"; }
EOF
}

record_nginx() {
	local d="$work/nginx"
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events {}
http {
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
$(nginx_formats)
$(nginx_forwarding)
    # A group whose first server refuses connections: nginx tries the next
    # one, and the upstream variables become lists.
    upstream retry {
        server 127.0.0.1:18098 max_fails=0;
        server 127.0.0.1:18099;
    }
    server {
        listen 127.0.0.1:18081;
        access_log $d/access.log logspan_text;
        access_log $d/access.json.log logspan_json;
$(nginx_locations)
    }
    server {
        listen 127.0.0.1:18082;
        access_log $d/forwarded.json.log logspan_json_fwd;
        proxy_set_header traceparent \$forwarded_traceparent;
$(nginx_locations)
    }
}
EOF
	nginx -c "$d/nginx.conf" -p "$d" &
	pids+=($!)
	wait_port 18081
	send_http_requests 18081
	send_http_requests 18082
	sleep 0.5
	mkdir -p testdata/nginx
	cp "$d/access.log" "$d/access.json.log" "$d/forwarded.json.log" testdata/nginx/
	wc -l testdata/nginx/*.log
}

# record_postgresql: PostgreSQL 15 with a fresh data directory, logging
# every statement with its duration, both as stderr with Debian's
# log_line_prefix and as jsonlog. The SQL carries sqlcommenter comments as
# a driver appends them; pgbench sends the same through the extended
# protocol (parse, bind, execute).
record_postgresql() {
	local d="$work/postgresql" bin=/usr/lib/postgresql/15/bin
	mkdir -p "$d"
	chown postgres "$d"
	runuser -u postgres -- "$bin/initdb" -D "$d/data" -U postgres --auth=trust >/dev/null
	cat >>"$d/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = 15432
unix_socket_directories = '$d'
logging_collector = on
log_destination = 'stderr,jsonlog'
log_directory = '$d/log'
log_filename = 'postgresql.log'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 0
log_timezone = 'UTC'
lc_messages = 'C'
log_connections = on
EOF
	runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/pg_ctl.log" -w start >/dev/null
	local psql=(runuser -u postgres -- psql -X -q -h 127.0.0.1 -p 15432 -U postgres)
	"${psql[@]}" -d postgres -o /dev/null -c 'CREATE DATABASE shop' -c "CREATE ROLE app LOGIN"
	"${psql[@]}" -d shop -o /dev/null -c 'CREATE TABLE orders (id int PRIMARY KEY, item text, qty int)' -c 'GRANT ALL ON orders TO app'
	local app=(runuser -u postgres -- psql -X -q -h 127.0.0.1 -p 15432 -U app -d shop)
	"${app[@]}" -o /dev/null 2>/dev/null <<'EOF'
INSERT INTO orders VALUES (7, 'book', 1) /*controller='orders',traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/;
SELECT id, item FROM orders WHERE id = 7 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',tracestate='congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7'*/;
SELECT count(*) FROM orders /*traceparent='00-5e2a1f0c9b8d4e7fa6b3c2d1e0f9a8b7-1a2b3c4d5e6f7081-00'*/;
SELECT o.id,
       o.item
  FROM orders o
 WHERE o.qty > 0 /*traceparent='00-11111111111111111111111111111111-2222222222222222-01'*/;
SELECT * FROM missing_table /*traceparent='00-33333333333333333333333333333333-4444444444444444-01'*/;
UPDATE orders SET qty = qty + 1 WHERE id = 7 /*traceparent='00-55555555555555555555555555555555-6666666666666666-01'*/;
select now();
EOF
	cat >"$d/bench.sql" <<'EOF'
SELECT item FROM orders WHERE id = 7 /*traceparent='00-77777777777777777777777777777777-8888888888888888-01'*/;
EOF
	runuser -u postgres -- "$bin/pgbench" -n -h 127.0.0.1 -p 15432 -U app -M extended -t 1 -f "$d/bench.sql" shop >/dev/null
	runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -w stop >/dev/null
	mkdir -p testdata/postgresql
	cp "$d/log/postgresql.log" testdata/postgresql/stderr.log
	cp "$d/log/postgresql.json" testdata/postgresql/jsonlog.log
	wc -l testdata/postgresql/*.log
}

case "${1:-all}" in
caddy) start_backend; record_caddy ;;
nginx) start_backend; record_nginx ;;
postgresql) record_postgresql ;;
all) start_backend; record_caddy; record_nginx; record_postgresql ;;
*) echo "usage: $0 caddy|nginx|postgresql|all" >&2; exit 2 ;;
esac
