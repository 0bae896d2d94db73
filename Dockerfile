# The command line in an image, for sharded runs on a cluster (see deploy/ and README's "Sharded runs").
#   docker build -t embedding-studio .
#   docker run --rm -v "$PWD:/data" embedding-studio embed --model /data/model.gguf --input /data/texts.txt \
#     --output /data/embeddings.parquet
# The engine is built for a CPU baseline, not for the build machine's CPU: GGML_NATIVE=OFF builds llama.cpp for
# x86-64 with SSE4.2, AVX, AVX2, BMI2, FMA and F16C (llama.cpp's defaults without -march=native), which every x86
# server of the last ten years runs, so the image runs on any node of a cluster. The same variable is set when the
# image runs: node-llama-cpp names a build by its CMake options and finds it again only with the same ones.

FROM node:20.20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends cmake ninja-build g++ make git python3 ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_LLAMA_CPP_CMAKE_OPTION_GGML_NATIVE=OFF \
    ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build:engine \
  && npm run build:cli \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_LLAMA_CPP_CMAKE_OPTION_GGML_NATIVE=OFF \
    NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/out/cli ./out/cli
COPY --from=build /app/node_modules ./node_modules
RUN ln -s /app/bin/embedding-studio.js /usr/local/bin/embedding-studio
USER node
ENTRYPOINT ["embedding-studio"]
CMD ["--help"]
