#!/usr/bin/env bash
# Regenerates the wire types in shared/gen/ from proto/fleetswap.proto, with
# the options shared/proto.ts loads it with, so that the types describe what
# @grpc/proto-loader really decodes. CI runs this and fails on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf shared/gen
node_modules/.bin/proto-loader-gen-types \
  --keepCase --longs=Number --enums=String --defaults --oneofs \
  --includeComments --grpcLib=@grpc/grpc-js \
  --outDir=shared/gen proto/fleetswap.proto
# The generator writes extensionless relative imports; NodeNext ESM needs the
# .js the compiled files will have.
find shared/gen -name '*.ts' -exec sed -i -E "s#(from '\.{1,2}/[^']*)';#\1.js';#" {} +
