# Multi-stage build of the server. The stages mirror the local set-up: scripts/fetch-onnxruntime.sh
# for the runtime library, `cargo build --release -p baf-server` with the committed .sqlx data.
# The face models committed in models/ are baked into the image at /models (BAF_MODELS_DIR); the
# server checks their sha256 at start, so a plain `docker build` needs nothing from outside the repo.

FROM rust:1.95-bookworm AS build
# plotters (the accuracy pictures of `face evaluate`) links fontconfig
RUN apt-get update && apt-get install -y --no-install-recommends libfontconfig1-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked -p baf-server

FROM python:3.11-slim-bookworm AS onnxruntime
WORKDIR /src
COPY scripts/fetch-onnxruntime.sh scripts/fetch-ocr-models.sh scripts/
RUN scripts/fetch-onnxruntime.sh && scripts/fetch-ocr-models.sh

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl libstdc++6 libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 baf \
    && install -d -o baf -g baf /var/lib/baf/media
# before the binary, so that a rebuilt server reuses this 32 MB layer
COPY models/*.onnx models/manifest.toml models/MODELS.md /models/
COPY --from=build /src/target/release/baf-server /usr/local/bin/baf-server
COPY --from=onnxruntime /src/vendor/onnxruntime/libonnxruntime.so.1.31.1 /opt/onnxruntime/
COPY --from=onnxruntime /src/vendor/ocr/ /ocr/
ENV ORT_DYLIB_PATH=/opt/onnxruntime/libonnxruntime.so.1.31.1 \
    BAF_MODELS_DIR=/models \
    BAF_OCR_MODELS_DIR=/ocr \
    BAF_MEDIA_URL=/var/lib/baf/media \
    BAF_LISTEN=0.0.0.0:8080
USER baf
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/baf-server"]
CMD ["serve"]
