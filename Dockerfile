# The floodgate image: the `floodgate` command (exporter, target, run on the local engine, report,
# dashboards) on Node 20, run by tsx with no build step. docker-compose.yml builds it.
#
#   docker build -t floodgate:local .
#   docker run --rm floodgate:local --help

# --- dependencies: production packages, native ones (better-sqlite3) compiled if no prebuilt fits
FROM node:20.20.2-bookworm-slim AS dependencies
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY . .
# Results of runs (docker-compose.yml mounts a volume here) and the target's database.
RUN mkdir -p /results /data && chown node:node /results /data
USER node
ENTRYPOINT ["node", "bin/floodgate.js"]
CMD ["--help"]
