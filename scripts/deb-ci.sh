#!/usr/bin/env bash
# CI check of the Debian package, as root on a Debian-like machine (no
# systemd needed as PID 1): build it, install it, verify the unit, run the
# unit's ExecStart as the logspan user against a real log for a few seconds,
# upgrade to a rebuilt package (the edited rules and the checkpoints must
# survive, and nothing is sent twice), then purge (rules and checkpoints must
# go). It installs and purges the package "logspan" on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== deb: %s\n' "$*"; }
fail() { echo "deb-ci: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs a package)"
work=$(mktemp -d)
logdir=/var/log/logspan-ci
cleanup() {
	rm -rf "$work" "$logdir"
	if dpkg -s logspan >/dev/null 2>&1; then dpkg --purge logspan >/dev/null || true; fi
}
trap cleanup EXIT
if dpkg -s logspan >/dev/null 2>&1; then dpkg --purge logspan; fi

step "build 0.0.0~ci1"
deb1=$(VERSION=0.0.0~ci1 scripts/deb.sh | tail -1)
[ -f "$deb1" ] || fail "no package at $deb1"

step "install"
dpkg -i "$deb1"
id -nG logspan | tr ' ' '\n' | grep -qx adm || fail "user logspan is not in group adm"
[ "$(stat -c '%U:%G %a' /var/lib/logspan)" = "logspan:logspan 750" ] || fail "/var/lib/logspan: $(stat -c '%U:%G %a' /var/lib/logspan)"
grep -qx /etc/logspan/rules.yaml /var/lib/dpkg/info/logspan.conffiles || fail "rules.yaml is not a conffile"
/usr/bin/logspan version

step "systemd-analyze verify"
systemd-analyze verify /usr/lib/systemd/system/logspan.service

step "run the unit's ExecStart as logspan"
unit=/usr/lib/systemd/system/logspan.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || fail "no ExecStart in $unit"
state=/var/lib/logspan
read -r -a cmd <<<"${exec_start//\$\{STATE_DIRECTORY\}/$state}"
# A real log, readable through group adm only, as /var/log is on Debian.
install -d -o root -g adm -m 0750 "$logdir"
install -o root -g adm -m 0640 testdata/haproxy/http.log "$logdir/haproxy.log"
# The operator's edit of the conffile: what to follow.
cat >>/etc/logspan/rules.yaml <<YAML
inputs:
  - paths: ['$logdir/haproxy.log*']
    start: beginning
YAML
# What the same binary makes of the log in one go: the spans to expect.
want=$(/usr/bin/logspan backfill --config /etc/logspan/rules.yaml --progress=false "$logdir/haproxy.log" 2>/dev/null | grep -o '"spanId"' | wc -l)
[ "$want" -gt 0 ] || fail "backfill made no spans of the test log"

# run_daemon OUT: ExecStart as user logspan (its groups: adm) for 5 s, then
# SIGTERM as systemd stops it; spans to OUT. setpriv execs logspan itself,
# so the signal reaches it (runuser would answer it in its place).
run_daemon() {
	local rc=0
	timeout --preserve-status -s TERM 5 setpriv --reuid=logspan --regid=logspan --init-groups -- "${cmd[@]}" >"$1" 2>"$1.log" || rc=$?
	[ "$rc" = 0 ] || { cat "$1.log" >&2; fail "daemon exited $rc after SIGTERM"; }
	if grep -q 'level=ERROR' "$1.log"; then cat "$1.log" >&2; fail "the daemon logged errors"; fi
}
run_daemon "$work/run1.jsonl"
got=$(grep -o '"spanId"' "$work/run1.jsonl" | wc -l)
[ "$got" = "$want" ] || fail "daemon exported $got spans, want $want"
[ -n "$(find "$state" -type f -user logspan)" ] || fail "no checkpoint written in $state"
sum_before=$(cat $(find "$state" -type f | sort) | sha256sum)

step "upgrade to a rebuilt 0.0.0~ci2"
deb2=$(VERSION=0.0.0~ci2 scripts/deb.sh | tail -1)
dpkg -i --force-confold "$deb2"
[ "$(dpkg-query -W -f '${Version}' logspan)" = 0.0.0~ci2 ] || fail "not upgraded"
/usr/bin/logspan version | grep -q 0.0.0~ci2 || fail "binary not replaced"
grep -q "$logdir/haproxy.log" /etc/logspan/rules.yaml || fail "the edited rules were not kept"
[ "$(cat $(find "$state" -type f | sort) | sha256sum)" = "$sum_before" ] || fail "checkpoints changed on upgrade"
# From the kept checkpoints: nothing again, then exactly the new lines.
head -2 testdata/haproxy/http.log >>"$logdir/haproxy.log"
new=$(head -2 testdata/haproxy/http.log | /usr/bin/logspan backfill --config /etc/logspan/rules.yaml --progress=false - 2>/dev/null | grep -o '"spanId"' | wc -l)
run_daemon "$work/run2.jsonl"
got=$(grep -o '"spanId"' "$work/run2.jsonl" | wc -l)
[ "$got" = "$new" ] || fail "after the upgrade the daemon exported $got spans, want the $new of the new lines"

step "purge"
dpkg --purge logspan
for p in /usr/bin/logspan /etc/logspan /var/lib/logspan "$unit"; do
	[ ! -e "$p" ] || fail "$p is still there after purge"
done
echo "deb-ci: ok ($want spans, upgrade kept rules and checkpoints, purge cleaned up)"
