# backprop-service: one image for the API and the workers (docker-compose.yml runs both).
# Multi-stage: compile TypeScript with dev dependencies, ship production dependencies only,
# run as the unprivileged `node` user. No Docker engine runs on our development machines, so
# this file is kept correct by reading; see README "Deployment".

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs its install script, and `prepare` would build
# before the sources are here
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workers workers
COPY scripts scripts
# the app the OpenAPI document (and so the generated client) is built from serves the dashboard
COPY dashboard dashboard
RUN npm run build

FROM node:24-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --chown=root:root package.json ./
COPY --chown=root:root datasets datasets
# the dashboard's static files, served at / (src/api/dashboard.ts); uPlot comes from node_modules
COPY --chown=root:root dashboard dashboard
COPY --from=production-dependencies --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
USER node
EXPOSE 3000
# The API by default, as `npm run start:api` runs it (a 64 MiB young generation: the predict
# routes allocate per request, and fewer scavenges took a third off their CPU per request in
# BENCHMARKS.md); docker-compose.yml runs workers with `node dist/workers/worker.js`.
CMD ["node", "--max-semi-space-size=64", "dist/src/api/server.js"]
