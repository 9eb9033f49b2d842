# logspan's image for a machine that can pull from a registry: Go builds the
# binary in a golang image, and the result runs on distroless/static.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t logspan .
# Without a registry (CI), build the same layout offline with scripts/image.sh
# (deploy/image/Containerfile, FROM scratch). Both images: the static binary
# at /usr/local/bin/logspan, the shipped rules at /etc/logspan/rules.yaml,
# user 65532:65532, checkpoints in the volume /var/lib/logspan.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/logspan/logspan/internal/cli.version=${VERSION}" \
      -o /out/logspan ./cmd/logspan \
 && /out/logspan check --config rules.yaml \
 && mkdir /out/state

# distroless/static has no shell and no package manager; time zones are
# compiled into the binary (time/tzdata), CA certificates come with the image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/logspan /usr/local/bin/logspan
COPY rules.yaml /etc/logspan/rules.yaml
COPY --from=build --chown=65532:65532 /out/state /var/lib/logspan
VOLUME ["/var/lib/logspan"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/logspan"]
CMD ["--help"]
