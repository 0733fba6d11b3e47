# kafkalite in a container: docker build -t kafkalite . && docker run -p 9092:9092 kafkalite
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY scripts ./scripts
COPY package.json LICENSE NOTICE ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 9092
# Bind all interfaces inside the container; advertise localhost for clients on the host (override as needed).
ENTRYPOINT ["node", "bin/kafkalite"]
CMD ["--host", "0.0.0.0", "--advertised-host", "localhost", "--data-dir", "/data"]
