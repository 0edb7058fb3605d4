# syntax=docker/dockerfile:1
# Build the operator binary. It embeds watches.yaml, config/crd/bases,
# config/samples and helm-charts/nats-cluster (go:embed in main.go), so those
# are part of this stage's context: the image runs what the tests run.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace
# Dependencies first: this layer stays cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY main.go watches.yaml ./
COPY api/ api/
COPY internal/ internal/
COPY config/crd/ config/crd/
COPY config/samples/ config/samples/
COPY helm-charts/ helm-charts/
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -o manager .

# Static, shell-less, non-root runtime.
FROM gcr.io/distroless/static:nonroot
# Helm-operator layout: charts in watches.yaml resolve relative to the working dir.
ENV HOME=/opt/helm
WORKDIR /opt/helm
COPY watches.yaml ./watches.yaml
COPY helm-charts/ ./helm-charts/
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
CMD ["run"]
