#!/bin/bash
# Runs on the GPU machine from the repository root, with .gpu/ and .gl/ made by scripts/gpu-pack.sh;
# writes torch.jsonl (PyTorch CUDA and CPU anchors) and gpu-check.json under $OUT (or ./gpu-out).
OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
export G=/tmp/g
# One prepared GPU check (issue 14, requirement 8): PyTorch CUDA anchor, then gpu-check on WebGPU.
mkdir -p $G/bin $G/node_modules/webgpu/dist/linux-x64
python3 - <<'PY'
import lzma, os, shutil
for s, d in [('.gpu/node.xz', os.environ["G"] + "/bin/node"), ('.gpu/dawn.node.xz', os.environ["G"] + "/node_modules/webgpu/dist/linux-x64/dawn.node")]:
    with lzma.open(s) as f, open(d, 'wb') as o: shutil.copyfileobj(f, o)
PY
chmod +x $G/bin/node; cp .gpu/webgpu-package.json $G/node_modules/webgpu/package.json; cp .gpu/gpu-check.js .gpu/ref.json $G/
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
nvidia-smi -L; nproc; $G/bin/node --version
ICD=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json 2>/dev/null || find / -name nvidia_icd.json 2>/dev/null | head -1)
echo "ICD: $ICD"; export VK_DRIVER_FILES=$ICD
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -n "$SKIP_TORCH" ] || for B in 64 256 1024; do timeout 120 python3 .gpu/torch_dcgan.py cuda $B 50; done | tee $OUT/torch.jsonl
[ -n "$SKIP_TORCH" ] || for B in 64 256; do timeout 120 python3 .gpu/torch_dcgan.py cpu $B 10; done | tee -a $OUT/torch.jsonl
cd $G && timeout 330 ./bin/node gpu-check.js --reference ref.json --profile --batches 64,256,1024 --steps 10 > $OUT/gpu-check.json 2> $OUT/gpu-check.err
echo "gpu-check rc=$?"; tail -c 3000 $OUT/gpu-check.err
