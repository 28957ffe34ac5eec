"""Per-kernel profile of a Keras reference step (TensorFlow's own profiler), to set beside
ganbook's `setOpProfiler` numbers (docs/speed.md, "Why Keras' graph is cheaper").

Runs the script's definitions up to its timing loop, warms the step up, records `steps` steps with
`tf.profiler.experimental`, reads the trace (`*.xplane.pb`) with TensorFlow's own `xplane_pb2`,
and prints the kernels by total wall time per step (ms) and calls per step.
`--threads N` sets TensorFlow's intra- and inter-op pools to N (1: one kernel at a time on one
core, so each kernel's wall time is its CPU time).

usage: python keras_kernel_profile.py SCRIPT [steps] [--threads N]
  e.g. python keras_kernel_profile.py ../../../../shared/reference/keras_wgan_gp.py 2 --threads 1
"""
import collections, glob, os, shutil, sys, tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
args = [a for a in sys.argv[1:]]
threads = 0
if "--threads" in args:
    i = args.index("--threads"); threads = int(args[i + 1]); del args[i:i + 2]
if not args:
    sys.exit(__doc__)
script = os.path.abspath(args[0]); steps = int(args[1]) if len(args) > 1 else 2
import tensorflow as tf  # noqa: E402
if threads:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(script))
src = open(script).read()
cut = min(i for i in (src.find("for _ in range(2): step()"), src.find("ms, cpu, _ = time_steps")) if i >= 0)
ns = {"__name__": "profiled"}
sys.argv = [script]
exec(compile(src[:cut], script, "exec"), ns)
step = ns["step"]
for _ in range(2):
    step()
logdir = tempfile.mkdtemp(prefix="keras-kernel-profile-")
try:
    tf.profiler.experimental.start(logdir)
    for _ in range(steps):
        step()
    tf.profiler.experimental.stop()
    space = xplane_pb2.XSpace()
    space.ParseFromString(open(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0], "rb").read())
finally:
    shutil.rmtree(logdir, ignore_errors=True)
ms, calls = collections.defaultdict(float), collections.Counter()
for plane in space.planes:
    if not plane.name.startswith("/host:CPU"):
        continue
    for line in plane.lines:
        for e in line.events:
            name = plane.event_metadata[e.metadata_id].name
            if ":" in name:  # "node_name:KernelType": one kernel run
                kind = name.rsplit(":", 1)[1]
                ms[kind] += e.duration_ps / 1e9
                calls[kind] += 1
print(f"{os.path.basename(script)}: {steps} step(s), threads {threads or 'default'}; wall ms and calls per step")
for kind, t in sorted(ms.items(), key=lambda kv: -kv[1])[:30]:
    print(f"{kind:44s} {t / steps:9.2f} {calls[kind] / steps:7.1f}")
