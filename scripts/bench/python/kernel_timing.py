"""Times the ganbook kernel as a notebook user meets it, through jupyter_client (blocking waits,
no polling). One JSON object on stdout.

  python kernel_timing.py [--kernel ganbook] [--pause SECONDS] [--trivial N]

- start: from launching the kernel process until its kernel_info_reply (what a front-end waits
  for before the kernel shows as idle);
- first import: `import { tf, dcgan, GanTrainer } from './lib'` sent right after start (pause 0)
  or after --pause seconds (a user reading or typing);
- trivial: N cells `k + 1` after the import (median, max);
- later import: another cell importing from ./lib and using it;
each from execute_request until the execute_reply and iopub `idle` (the cell shows done).
"""
import argparse
import json
import os
import statistics
import time

from jupyter_client.manager import KernelManager


def run_cell(kc, code, timeout=600):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    reply = None
    idle = False
    result = None
    error = None
    while not (idle and reply):
        if not idle:
            m = kc.get_iopub_msg(timeout=timeout)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t = m["header"]["msg_type"]
            if t == "status" and m["content"]["execution_state"] == "idle":
                idle = True
            elif t == "execute_result":
                result = m["content"]["data"].get("text/plain")
            elif t == "error":
                error = m["content"]["evalue"]
        else:
            r = kc.get_shell_msg(timeout=timeout)
            if r["parent_header"].get("msg_id") == msg_id:
                reply = r
    return (time.perf_counter() - t0) * 1000, reply["content"]["status"], result, error


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="ganbook")
    ap.add_argument("--pause", type=float, default=0)
    ap.add_argument("--trivial", type=int, default=8)
    a = ap.parse_args()
    km = KernelManager(kernel_name=a.kernel)
    t0 = time.perf_counter()
    km.start_kernel(cwd=os.getcwd())
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    start_ms = (time.perf_counter() - t0) * 1000
    out = {"kernel": a.kernel, "pause_s": a.pause, "start_ms": round(start_ms)}
    try:
        time.sleep(a.pause)
        ms, status, _, err = run_cell(kc, "import { tf, dcgan, GanTrainer } from './lib'")
        out["first_import_ms"] = round(ms)
        out["first_import_status"] = status if not err else f"{status}: {err}"
        trivial = []
        for k in range(a.trivial):
            ms, status, res, err = run_cell(kc, f"{k} + 1")
            if res != str(k + 1):
                raise RuntimeError(f"trivial cell gave {res!r} ({status} {err})")
            trivial.append(ms)
        out["trivial_median_ms"] = round(statistics.median(trivial), 1)
        out["trivial_max_ms"] = round(max(trivial), 1)
        ms, status, res, err = run_cell(kc, "import { buildGan } from './lib'\nbuildGan(dcgan()).generator.countParams()")
        out["later_import_ms"] = round(ms)
        out["later_import_status"] = status if not err else f"{status}: {err}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
