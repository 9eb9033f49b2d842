#!/usr/bin/env bash
# Build logspan's Debian package: dist/logspan_<version>_<arch>.deb.
#
#   scripts/deb.sh                 # version from git, this machine's architecture
#   VERSION=1.2.3 DEB_ARCH=arm64 scripts/deb.sh
#
# The binary is the Dockerfile's (static, -trimpath), installed as
# /usr/bin/logspan; the unit is deploy/logspan.service with that path. The
# package is made by nfpm (packaging/nfpm.yaml), run with go run at a pinned
# version, so nothing needs installing first.
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0

if [ -z "${VERSION:-}" ]; then
	if tag=$(git describe --tags --abbrev=0 2>/dev/null); then
		VERSION=$(git describe --tags | sed 's/^v//; s/-\([0-9]*\)-g/+\1.g/')
	else
		# No tag yet: the commit time keeps later builds sorting higher.
		VERSION="0.0.0~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S).$(git rev-parse --short HEAD)"
	fi
fi
VERSION=${VERSION#v}
if [ -z "${DEB_ARCH:-}" ]; then
	DEB_ARCH=$(dpkg --print-architecture 2>/dev/null || go env GOARCH)
fi
case "$DEB_ARCH" in
	amd64 | arm64 | riscv64 | ppc64el | s390x) GOARCH=${DEB_ARCH/ppc64el/ppc64le} ;;
	armhf) GOARCH=arm GOARM=7 ;;
	i386) GOARCH=386 ;;
	*) echo "deb.sh: unsupported architecture $DEB_ARCH" >&2; exit 2 ;;
esac

STAGE=dist/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"
CGO_ENABLED=0 GOOS=linux GOARCH=$GOARCH GOARM=${GOARM:-} go build -trimpath \
	-ldflags "-s -w -X github.com/logspan/logspan/internal/cli.version=$VERSION" \
	-o "$STAGE/logspan" ./cmd/logspan
sed 's|/usr/local/bin/logspan|/usr/bin/logspan|g' deploy/logspan.service >"$STAGE/logspan.service"

out="dist/logspan_${VERSION}_${DEB_ARCH}.deb"
rm -f "$out"
DEB_VERSION=$VERSION DEB_ARCH=$DEB_ARCH \
	go run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target "$out"
rm -rf "$STAGE"
echo "$out"
