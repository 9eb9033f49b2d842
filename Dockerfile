# logspan: a static binary in a minimal, non-root image.
# Build: docker build --build-arg VERSION=$(git describe --tags --always) -t logspan .
# The build step is the one .ci/run runs (CGO_ENABLED=0 go build -trimpath).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/logspan/logspan/internal/cli.version=${VERSION}" \
      -o /out/logspan ./cmd/logspan \
 && /out/logspan check --config rules.yaml

# distroless/static has no shell and no package manager; time zones are
# compiled into the binary (time/tzdata), CA certificates come with the image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/logspan /usr/local/bin/logspan
COPY rules.yaml /etc/logspan/rules.yaml
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/logspan"]
CMD ["--help"]
