# The engine's image: one image, its entry points (setup, sandbox, codec server, worker, API) chosen by the compose command.
FROM node:20.18.1-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER node
CMD ["node", "--import", "tsx", "api/server.ts"]
