FROM --platform=$BUILDPLATFORM golang:1.22 AS build
FROM --platform=linux/amd64 gcr.io/distroless/static:nonroot
COPY --from=build --chown=65532:65532 /out /app
ENTRYPOINT ["/app"]
