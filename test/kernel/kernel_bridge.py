"""A JSON-lines bridge from the tests to a real `ganbook` kernel through jupyter_client.

Started by test/kernel/client.ts with the project's Jupyter environment. Reads one JSON
command per line on stdin, answers one JSON line on stdout:

  {"op": "execute", "codes": [...], "interrupt_after": 1.5?, "stop_on_error": true?, "timeout": 60?}
      sends every code at once (so later ones are queued), optionally interrupts the kernel
      after N seconds (jupyter_client's interrupt_kernel, per the kernelspec's interrupt_mode),
      then returns for each request its shell reply and its iopub messages up to `idle`.
  {"op": "request", "type": "kernel_info"|"history"|"complete"|"inspect"|"is_complete", "args": {...}}
  {"op": "iopub", "until_comm": ID?, "timeout": 10?}
      iopub messages of any parent (also those other ops skipped), until a comm_msg for ID arrives.
  {"op": "shell", "msg_type": "comm_open"|"comm_msg"|..., "content": {...}, "buffers": [base64...]?}
      sends any shell message; returns its reply (for *_request types) and its iopub messages up to idle.
  execute also takes "allow_stdin": bool and "inputs": [...] (answers to input_request, in order;
      the input_request messages are returned under "stdin").
  {"op": "shutdown"}
"""
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager


def clean(msg):
    import base64
    return {"msg_type": msg["header"]["msg_type"], "parent_msg_id": msg["parent_header"].get("msg_id"),
            "header": msg["header"], "content": msg["content"], "metadata": msg.get("metadata", {}),
            "buffers": [base64.b64encode(bytes(b)).decode() for b in msg.get("buffers", [])]}


STRAY = []  # iopub messages no op was waiting for (e.g. comm updates sent after a request went idle)


def main():
    km = KernelManager(kernel_name="ganbook")
    km.start_kernel(cwd=os.getcwd())
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "shutdown":
            kc.stop_channels()
            km.shutdown_kernel(now=False)
            out.write(json.dumps({"ok": True}) + "\n")
            out.flush()
            return
        if op == "interrupt_request":
            msg = kc.session.msg("interrupt_request", {})
            kc.control_channel.send(msg)
            reply = kc.control_channel.get_msg(timeout=30)
            out.write(json.dumps({"result": clean(reply)}, default=str) + "\n")
            out.flush()
            continue
        if op == "execute":
            timeout = cmd.get("timeout", 60)
            kwargs = {}
            if "stop_on_error" in cmd:
                kwargs["stop_on_error"] = cmd["stop_on_error"]
            if "allow_stdin" in cmd:
                kwargs["allow_stdin"] = cmd["allow_stdin"]
            inputs = list(cmd.get("inputs", []))
            ids = [kc.execute(code, **kwargs) for code in cmd["codes"]]
            results = {i: {"reply": None, "iopub": [], "idle": False, "stdin": []} for i in ids}
            def interrupt():
                if cmd.get("interrupt_by") == "message":
                    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
                else:
                    km.interrupt_kernel()

            # interrupt when a stream output contains `interrupt_on` (the cell is surely running),
            # then wait `interrupt_after` seconds more; or just after `interrupt_after` seconds.
            marker = cmd.get("interrupt_on")
            if cmd.get("interrupt_after") is not None and not marker:
                time.sleep(cmd["interrupt_after"])
                interrupt()
            marker_seen = None
            deadline = time.time() + timeout
            while time.time() < deadline and not all(r["reply"] and r["idle"] for r in results.values()):
                try:
                    m = kc.get_iopub_msg(timeout=0.05)
                    pid = m["parent_header"].get("msg_id")
                    if pid in results:
                        results[pid]["iopub"].append(clean(m))
                        mt = m["header"]["msg_type"]
                        if marker and marker_seen is None and (
                                (marker == "<execute_input>" and mt == "execute_input")
                                or (mt == "stream" and marker in m["content"]["text"])):
                            marker_seen = time.time()
                        if m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                            results[pid]["idle"] = True
                except Exception:
                    pass
                if marker_seen is not None and time.time() >= marker_seen + (cmd.get("interrupt_after") or 0):
                    # like a user pressing interrupt again: every 3 s until the cell is answered
                    interrupt()
                    marker_seen = time.time() + 3 - (cmd.get("interrupt_after") or 0)
                    if all(r["reply"] for r in results.values()):
                        marker_seen = float("inf")
                try:
                    while True:
                        q = kc.stdin_channel.get_msg(timeout=0.001)
                        pid = q["parent_header"].get("msg_id")
                        if pid in results:
                            results[pid]["stdin"].append(clean(q))
                        if q["header"]["msg_type"] == "input_request" and inputs:
                            kc.input(inputs.pop(0))
                except Exception:
                    pass
                try:
                    while True:
                        r = kc.get_shell_msg(timeout=0.01)
                        pid = r["parent_header"].get("msg_id")
                        if pid in results:
                            results[pid]["reply"] = clean(r)
                except Exception:
                    pass
            res = [results[i] for i in ids]
        elif op == "iopub":
            got = list(STRAY)
            STRAY.clear()
            want = cmd.get("until_comm")
            done = lambda: want is None or any(m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == want for m in got)
            deadline = time.time() + cmd.get("timeout", 10)
            while time.time() < deadline and not done():
                try:
                    got.append(clean(kc.get_iopub_msg(timeout=0.05)))
                except Exception:
                    if want is None:
                        break
            res = got
        elif op == "shell":
            import base64
            msg = kc.session.msg(cmd["msg_type"], cmd.get("content", {}))
            bufs = [base64.b64decode(b) for b in cmd.get("buffers", [])]
            kc.shell_channel.send(msg) if not bufs else kc.session.send(kc.shell_channel.socket, msg, buffers=bufs)
            msg_id = msg["header"]["msg_id"]
            res = {"reply": None, "iopub": [], "idle": False}
            want_reply = cmd["msg_type"].endswith("_request")
            deadline = time.time() + cmd.get("timeout", 30)
            while time.time() < deadline and not (res["idle"] and (res["reply"] or not want_reply)):
                try:
                    m = kc.get_iopub_msg(timeout=0.05)
                    if m["parent_header"].get("msg_id") == msg_id:
                        res["iopub"].append(clean(m))
                        if m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                            res["idle"] = True
                    else:
                        STRAY.append(clean(m))
                except Exception:
                    pass
                if want_reply and not res["reply"]:
                    try:
                        r = kc.get_shell_msg(timeout=0.01)
                        if r["parent_header"].get("msg_id") == msg_id:
                            res["reply"] = clean(r)
                    except Exception:
                        pass
        else:
            kind = cmd["type"]
            fn = {"kernel_info": kc.kernel_info, "history": kc.history, "complete": kc.complete,
                  "inspect": kc.inspect, "is_complete": kc.is_complete}[kind]
            msg_id = fn(**cmd.get("args", {}))
            while True:
                r = kc.get_shell_msg(timeout=cmd.get("timeout", 30))
                if r["parent_header"].get("msg_id") == msg_id:
                    break
            res = clean(r)
        out.write(json.dumps({"result": res}, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
