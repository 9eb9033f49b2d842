#!/usr/bin/env bash
# CI check of the container image, as root with podman and runc; no registry
# is needed (the image is built offline by scripts/image.sh):
#
#   scripts/image-ci.sh [BINARY]     # default: image.sh builds one
#
# Against a real OTLP/gRPC receiver on the host (otlpcount), with the
# containers on the host network, it checks that
#   - `version` works, the process runs as 65532:65532, and time zones work
#     without zoneinfo in the image (TZ=Europe/Paris, from the binary);
#   - `backfill` of a log mounted read-only delivers one span per line;
#   - `run`, with its checkpoints on a named volume, follows a log directory
#     mounted read-only (root:adm, 0640, read through --group-add 4 as on a
#     Debian host), stops cleanly on SIGTERM (podman stop), and a new
#     container on the same volume delivers the lines appended meanwhile:
#     every line arrives, none twice.
# Containers, the volume and the image are removed at the end. podman needs
# CONTAINERS_CONF with default_ulimits = [] here and --runtime runc; this
# script writes the former and passes the latter.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== image: %s\n' "$*"; }
fail() { echo "image-ci: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (rootful podman, host network)"
for tool in podman runc go; do
	command -v "$tool" >/dev/null || fail "$tool not found: apt-get install -y podman runc ca-certificates"
done
bin=${1:-}

work=$(mktemp -d)
id=logspan-ci-$$
image=localhost/$id:ci ctr=$id vol=$id-state recv_pid=""
cleanup() {
	local rc=$?
	if [ "$rc" != 0 ] && podman container exists "$ctr" 2>/dev/null; then
		echo "--- logs of $ctr" >&2
		podman logs "$ctr" >&2 || true
	fi
	podman rm -f -t 0 "$ctr" >/dev/null 2>&1 || true
	podman volume rm -f "$vol" >/dev/null 2>&1 || true
	podman rmi -f "$image" >/dev/null 2>&1 || true
	[ -z "$recv_pid" ] || kill "$recv_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf

step "build the image offline (scripts/image.sh)"
if [ -n "$bin" ]; then
	scripts/image.sh -b "$bin" -t "$image" >/dev/null
else
	scripts/image.sh -t "$image" >/dev/null
fi
go build -o "$work/" ./internal/otlptest/cmd/otlpcount ./internal/haproxygen/cmd/haproxygen
gen() { "$work/haproxygen" -seed "$1" -n "$2"; } # gen SEED N: N lines no other seed writes

# A receiver on the host: "?" on its stdin asks for "SPANS DISTINCT".
coproc RECV { exec "$work/otlpcount" -listen 127.0.0.1:0; }
recv_pid=$RECV_PID recv_out=${RECV[0]} recv_in=${RECV[1]}
read -r -t 30 word addr <&"$recv_out" && [ "$word" = listening ] || fail "otlpcount did not start"
spans=0 distinct=0
counts() {
	echo '?' >&"$recv_in"
	read -r -t 10 spans distinct <&"$recv_out" || fail "otlpcount did not answer"
}
# wait_spans N WHAT: poll the receiver until N spans have arrived, for at most 60 s.
wait_spans() {
	local deadline=$((SECONDS + 60))
	counts
	while [ "$spans" -lt "$1" ]; do
		[ "$SECONDS" -lt "$deadline" ] || fail "$2: $spans of $1 spans arrived within 60 s"
		sleep 0.2
		counts
	done
	echo "image-ci: $2: arrived"
}
# expect N WHAT: exactly N spans, all distinct, have arrived.
expect() {
	counts
	[ "$spans" = "$1" ] && [ "$distinct" = "$1" ] || fail "$2: received $spans spans ($distinct distinct), want $1"
	echo "image-ci: $2: $spans spans, all distinct"
}
otlp_env=(-e "OTEL_EXPORTER_OTLP_ENDPOINT=http://$addr" -e OTEL_EXPORTER_OTLP_INSECURE=true)

step "version, user, time zones"
label=$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' "$image")
out=$(podman run --rm --runtime runc "$image" version)
[ "$out" = "logspan $label" ] || fail "version printed \"$out\", the image's label says $label"
user=$(podman image inspect --format '{{.Config.User}}' "$image")
[ "$user" = 65532:65532 ] || fail "the image's user is \"$user\", want 65532:65532"
# 10:00 in Paris in November is 09:00 UTC: the zone comes from the binary's
# embedded tzdata, as the image has no /usr/share/zoneinfo.
gen 9 1 | podman run -i --rm --runtime runc -e TZ=Europe/Paris "$image" test --json - 2>/dev/null |
	grep -q '"start":"2026-11-21T10:00:00+01:00"' || fail "TZ=Europe/Paris was not applied (no tzdata?)"
echo "image-ci: \"$out\", user $user, TZ=Europe/Paris applied"

step "backfill a read-only log"
install -d -m 0755 "$work/backfill"
gen 1 500 >"$work/backfill/haproxy.log"
chmod 0644 "$work/backfill/haproxy.log"
podman run --rm --runtime runc --network host -v "$work/backfill:/logs:ro" "${otlp_env[@]}" \
	"$image" backfill --progress=false /logs/haproxy.log
expect 500 "backfill of 500 lines"
base=500

step "run with its state on a volume: follow, stop, append, start again"
# The log directory as on Debian: root:adm, files 0640, read through group adm.
install -d -m 0750 -g adm "$work/follow"
log=$work/follow/haproxy.log
gen 2 300 >"$log"
chown root:adm "$log" && chmod 0640 "$log"
podman volume create "$vol" >/dev/null
start_daemon() {
	podman run -d --name "$ctr" --runtime runc --network host --group-add 4 \
		-v "$work/follow:/logs:ro" -v "$vol:/var/lib/logspan" "${otlp_env[@]}" \
		"$image" run --listen off --start beginning --poll-interval 100ms '/logs/haproxy.log*' >/dev/null
}
# stop_daemon: SIGTERM, as podman stop sends it; logspan must flush, save its
# checkpoints and exit 0 without logging an error.
stop_daemon() {
	podman stop -t 40 "$ctr" >/dev/null
	local code
	code=$(podman inspect --format '{{.State.ExitCode}}' "$ctr")
	[ "$code" = 0 ] || fail "logspan run exited $code after SIGTERM"
	if podman logs "$ctr" 2>&1 | grep -q 'level=ERROR'; then fail "logspan run logged errors"; fi
	podman rm "$ctr" >/dev/null
}
start_daemon
wait_spans $((base + 300)) "the 300 lines already in the log"
gen 3 200 >>"$log"
wait_spans $((base + 500)) "200 lines appended while running"
pid=$(podman inspect --format '{{.State.Pid}}' "$ctr")
status=$(cat "/proc/$pid/status")
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status")
[ "$uids" = "65532 65532 65532 65532" ] && [ "$gids" = "65532 65532 65532 65532" ] ||
	fail "logspan run has uids $uids and gids $gids, want 65532 for all"
awk '/^Groups:/ {for (i = 2; i <= NF; i++) if ($i == 4) found = 1} END {exit !found}' <<<"$status" ||
	fail "logspan run is not in group 4 (adm): $(grep ^Groups: <<<"$status")"
echo "image-ci: logspan run is uid 65532, gid 65532, groups 4"
stop_daemon
mnt=$(podman volume inspect --format '{{.Mountpoint}}' "$vol")
[ "$(stat -c %u "$mnt/checkpoints.json" 2>/dev/null)" = 65532 ] || fail "no checkpoints.json of user 65532 on the volume"
gen 4 150 >>"$log"
start_daemon
wait_spans $((base + 650)) "150 lines appended while stopped"
stop_daemon
expect $((base + 650)) "backfill 500, then run 300 + 200 + 150 lines with a restart on the same volume"
echo "image-ci: ok"
