# syntax=docker/dockerfile:1
# Three stages: compile with the development dependencies, install the production dependencies
# alone, and a runtime image with only those, the compiled code and the configuration.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HORISONT_WEB_HOST=0.0.0.0 \
    HORISONT_WEB_PORT=8080
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
# Reports are written here (a volume in docker-compose.yml); everything else stays read-only.
RUN mkdir -p var/reports && chown -R node:node var
USER node
EXPOSE 8080
# Ready means PostgreSQL and Redis answer (/readyz). A worker-only container (`start --no-web`)
# serves no HTTP: give it `healthcheck: disable: true` or a check of its own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/horisont.js", "start"]
