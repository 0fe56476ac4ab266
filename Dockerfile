# exsync sync service. Runs the TypeScript sources through tsx (no build step), like `pnpm start`.
FROM node:20-bookworm-slim

ENV CI=true \
    PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH
RUN npm install -g pnpm@12.4.2 && npm cache clean --force

WORKDIR /app
# The whole workspace: the service imports the other packages from source, and packages/db generates its
# Prisma client from prisma/schema.prisma during install. .dockerignore keeps node_modules and data out.
COPY . .
RUN pnpm install --frozen-lockfile \
    && mkdir -p /data && chown node:node /data

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    EXSYNC_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 3000
USER node

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

WORKDIR /app/apps/sync-service
# exec form: the service itself receives SIGTERM and shuts down gracefully.
CMD ["node", "bin/exsync.js", "serve"]
