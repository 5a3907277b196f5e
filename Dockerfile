# One image for the API, the worker and the admin CLI; docker-compose.yml picks the command.
# Node 22 (LTS): Node 20 is past its end of life.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run compile && npm prune --omit=dev

FROM node:22-bookworm-slim
# The commit the image was built from: the worker's build id (Worker Versioning) when set.
ARG BUILD_ID=
ENV NODE_ENV=production WORKER_BUILD_ID=${BUILD_ID}
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/api/main.js"]
