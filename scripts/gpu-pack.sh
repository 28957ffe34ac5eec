#!/bin/bash
# Packs `npm run gpu-check` for a GPU machine that has no Node.js and no network (as the project's
# lent NVIDIA H200 machines are): .gpu/ gets this Node binary (xz), Dawn's dawn.node (xz), one
# esbuild bundle of scripts/gpu-check.ts (tfjs-node left out: it needs a 400 MB libtensorflow),
# the CPU reference losses computed here with native TensorFlow (--save-reference), the PyTorch
# anchor and scripts/gpu-device-run.sh; .gl/ gets Debian's Vulkan loader and GL dispatch packages
# (NVIDIA's ICD, libGLX_nvidia, needs libglvnd). About 35 MB in all.
# Then, on the device: `bash .gpu/run.sh` with .gpu and .gl carried (docs/speed.md, WebGPU).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpu && mkdir -p .gpu .gl
xz -T0 -6 -c "$(command -v node)" > .gpu/node.xz
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .gpu/dawn.node.xz
cp node_modules/webgpu/package.json .gpu/webgpu-package.json
npx esbuild scripts/gpu-check.ts --bundle --platform=node --target=node20 --log-level=warning \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --external:webgpu --external:'webgpu/*' \
  --outfile=.gpu/gpu-check.js
npx ts-node --transpile-only scripts/gpu-check.ts --save-reference .gpu/ref.json
cp "${GANBOOK_REFERENCE_DIR:-../shared/reference}/torch_dcgan.py" .gpu/
cp scripts/gpu-device-run.sh .gpu/run.sh
(cd .gl && ls libvulkan1_*.deb >/dev/null 2>&1 || apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh .gpu .gl
