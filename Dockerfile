# syntax=docker/dockerfile:1
# The one infermesh image: every service (gateway, registry, runners, sink) and the CLI.
# The manifests in deploy/k8s choose the service with the container's args, e.g.
# `args: [runners/dist/main.js]`; docs/kubernetes.md says how to build and push it.
#
# GPU runners: build with `--build-arg ONNXRUNTIME_NODE_INSTALL=cuda12` and a runtime base that
# has the CUDA 12 and cuDNN 9 libraries (`--build-arg RUNTIME_IMAGE=...`); the default skips
# onnxruntime-node's CUDA download, as the repository's .npmrc does.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=node:20-bookworm-slim

# ---- build: every workspace compiled with its dev dependencies --------------------------------
FROM ${NODE_IMAGE} AS build
ARG ONNXRUNTIME_NODE_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL}
WORKDIR /app
# Manifests first, so the npm ci layer is rebuilt only when dependencies change.
COPY package.json package-lock.json .npmrc ./
COPY proto/package.json proto/
COPY common/package.json common/
COPY runners/package.json runners/
COPY registry/package.json registry/
COPY sink/package.json sink/
COPY gateway/package.json gateway/
COPY client/package.json client/
COPY testkit/package.json testkit/
COPY cli/package.json cli/
COPY test/package.json test/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
# Then the sources (.dockerignore keeps out node_modules, dist, generated code and local data).
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the built dist folders only ------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG ONNXRUNTIME_NODE_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} \
    NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm ci checks every workspace of the lockfile, so each one's package.json is here; only the
# shipped workspaces (the CLI and everything it depends on) get their dependencies installed.
COPY proto/package.json proto/
COPY common/package.json common/
COPY runners/package.json runners/
COPY registry/package.json registry/
COPY sink/package.json sink/
COPY gateway/package.json gateway/
COPY client/package.json client/
COPY testkit/package.json testkit/
COPY cli/package.json cli/
COPY test/package.json test/
COPY bench/package.json bench/
# onnxruntime-node ships binaries for every platform: only Linux's stay (about 220 MB less).
RUN npm ci --omit=dev --no-audit --no-fund --workspace=@infermesh/cli \
    && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
    && npm cache clean --force
# The .proto files are read at run time (proto/src/index.ts loads them for servers and reflection).
COPY --from=build /app/proto/inference proto/inference
COPY --from=build /app/proto/infermesh proto/infermesh
COPY --from=build /app/proto/dist proto/dist
COPY --from=build /app/common/dist common/dist
COPY --from=build /app/runners/dist runners/dist
COPY --from=build /app/registry/dist registry/dist
COPY --from=build /app/sink/dist sink/dist
COPY --from=build /app/gateway/dist gateway/dist
COPY --from=build /app/client/dist client/dist
COPY --from=build /app/cli/dist cli/dist
COPY --from=build /app/cli/bin cli/bin
# The node image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 8001 8002 8003 8101 8201
ENTRYPOINT ["node"]
# The gateway, with the heap `infermesh up` gives it (GATEWAY_NODE_FLAGS).
CMD ["--max-semi-space-size=2", "--max-old-space-size=512", "--v8-pool-size=2", "gateway/dist/main.js"]
