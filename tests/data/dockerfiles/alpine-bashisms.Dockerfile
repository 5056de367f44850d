# Habits from Debian's bash carried into Alpine, where RUN runs busybox ash.
FROM node:20-alpine AS build
WORKDIR /src
RUN mkdir -p /src/{dist,cache} \
 && if [[ -n $CI ]]; then echo "CI build"; fi
COPY . .
RUN source ./scripts/env.sh && npm ci && npm run build \
 && version=$(node -p 'require("./package.json").version') \
 && echo "built ${version,,}"

FROM node:20-alpine
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apk add --no-cache curl
COPY --from=build /src/dist /app
CMD ["node", "/app/server.js"]
