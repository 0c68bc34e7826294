# coinsentry container image. The build stage has the toolchain better-sqlite3 compiles with and compiles the
# TypeScript; the runtime stage gets only production dependencies, dist/ and the migrations, and runs as a non-root
# user with the database on a volume. Both stages use the same base, so the compiled better-sqlite3 binary fits.
#   docker build -t coinsentry .
#   docker run -d --name coinsentry --env-file coinsentry.env -v coinsentry-data:/data -p 8080:8080 coinsentry

FROM node:20-bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compile, then drop the dev dependencies (TypeScript, tsx, vitest, …) and keep the compiled better-sqlite3.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_PATH=/data/coinsentry.db \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
# The fixtures send-test-event posts (node dist/cli/send-test-event.js), so the image can check its own webhook.
COPY test/fixtures ./test/fixtures
# The image's own "node" user (uid 1000) owns only the data directory; the code stays read-only to it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# No curl in slim images: Node's own fetch asks /healthz (200 when the database answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exactly what `npm start` runs after its prestart (which builds only when sources changed): the image is already built.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "dist/main.js"]
