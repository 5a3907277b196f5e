# One image for the API, the worker and the admin CLI; the command picks which (docker-compose.yml,
# deploy/kubernetes). Node 22 (LTS), pinned by digest so a rebuild gets the same base (both stages name the
# same one); a tool such as Renovate moves the pin when the base is patched.
FROM node:22.14-bookworm-slim@sha256:bac8ff0b5302b06924a5e288fb4ceecef9c8bb0bb92515985d2efdc3a2447052 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY deploy/image/prune.js ./deploy/image/prune.js
# The console (React, built by Vite into dist/console) talks to the API through the generated client.
COPY console ./console
COPY clients/typescript/src ./clients/typescript/src
RUN npm run compile \
 && npm run console:build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node deploy/image/prune.js

FROM node:22.14-bookworm-slim@sha256:bac8ff0b5302b06924a5e288fb4ceecef9c8bb0bb92515985d2efdc3a2447052
# The commit the image was built from: the worker's build id (Worker Versioning needs one: a versioned worker
# refuses to start without it).
ARG BUILD_ID=
ENV NODE_ENV=production WORKER_BUILD_ID=${BUILD_ID}
# The runtime runs node alone: no package managers in the image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Numeric, so Kubernetes can check runAsNonRoot without a user database; owns nothing in the image.
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --retries=6 CMD ["node", "dist/src/api/healthcheck.js"]
CMD ["node", "dist/src/api/main.js"]
