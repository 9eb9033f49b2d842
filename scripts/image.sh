#!/usr/bin/env bash
# Build logspan's container image offline (deploy/image/Containerfile: FROM
# scratch, no RUN, nothing pulled), from a binary built here or given:
#
#   scripts/image.sh                        # builds the binary, tags logspan:VERSION and logspan:latest
#   scripts/image.sh -b /tmp/logspan-ci -t logspan:ci
#
# The context it prepares in a temp dir holds the static binary, this host's
# CA bundle (Debian's ca-certificates), /etc/passwd and /etc/group lines for
# the user logspan (65532:65532), the shipped rules.yaml and the state
# directory. VERSION (default: git describe) stamps the binary it builds (a
# given binary keeps its own) and labels the image; BUILDER builds it: podman
# (the default, tried in CI) or docker.
# The image's name is printed on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "image.sh: $*" >&2; exit 1; }

bin="" tag=""
while getopts "b:t:" opt; do
	case $opt in
	b) bin=$OPTARG ;;
	t) tag=$OPTARG ;;
	*) fail "usage: scripts/image.sh [-b BINARY] [-t NAME[:TAG]]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || fail "unexpected arguments: $*"

builder=${BUILDER:-podman}
command -v "$builder" >/dev/null || fail "$builder not found (apt-get install podman, or BUILDER=docker)"
certs=/etc/ssl/certs/ca-certificates.crt
[ -s "$certs" ] || fail "no $certs: install Debian's ca-certificates (or another distribution's bundle there)"

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

if [ -z "$bin" ]; then
	version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
	echo "image.sh: building logspan $version" >&2
	CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X github.com/logspan/logspan/internal/cli.version=$version" \
		-o "$ctx/logspan" ./cmd/logspan
else
	[ -x "$bin" ] || fail "$bin is not an executable"
	install -m 0755 "$bin" "$ctx/logspan"
	# The image is labelled with the version the binary says it is.
	version=$("$ctx/logspan" version | awk '{print $2}')
	[ -n "$version" ] || fail "$bin version printed no version"
fi
# A scratch image has no C library: the binary must not need one.
if command -v go >/dev/null; then
	go version -m "$ctx/logspan" | grep -q 'CGO_ENABLED=0' || fail "the binary was not built with CGO_ENABLED=0"
fi
"$ctx/logspan" check --config rules.yaml >/dev/null || fail "the shipped rules.yaml does not pass logspan check"

install -m 0644 "$certs" "$ctx/ca-certificates.crt"
install -m 0644 rules.yaml "$ctx/rules.yaml"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
	'logspan:x:65532:65532:logspan:/var/lib/logspan:/sbin/nologin' >"$ctx/passwd"
printf '%s\n' 'root:x:0:' 'logspan:x:65532:' >"$ctx/group"
chmod 0644 "$ctx/passwd" "$ctx/group"
mkdir -p "$ctx/skeleton/var/lib" "$ctx/state"

[ -n "$tag" ] || tag=logspan:${version//+/_}  # a tag cannot hold "+"
opts=(--pull=false --network=none)
[ "$tag" = "logspan:${version//+/_}" ] && opts+=(-t logspan:latest)
# podman and buildah keep no intermediate images (one layer, nothing left over).
[ "$builder" = docker ] || opts+=(--layers=false)
"$builder" build "${opts[@]}" -f deploy/image/Containerfile \
	--build-arg VERSION="$version" -t "$tag" "$ctx" >&2
echo "$tag"
