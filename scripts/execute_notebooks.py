"""Execute notebooks headless through the `ganbook` kernel with nbclient.

usage: python scripts/execute_notebooks.py [--inplace] [--timeout S] NOTEBOOK...
Stops at the first failing cell and prints its error. Without --inplace the executed
copies are written to out/notebooks/ (the committed notebooks stay untouched); with --inplace
only a run whose every cell succeeded replaces the notebook (a failed one goes to out/notebooks/).
A cell may run for GANBOOK_CELL_TIMEOUT seconds (default 4 hours: notebook 03's five-epoch run
takes ~50 minutes on two cores).
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def stderr_error(cell):
    """Failures nbclient does not raise for: an `error` output (e.g. with allow_errors), and errors
    thrown outside the cell's own flow (a timer or an un-awaited promise), which the ganbook
    kernel can only print to stderr. Errors of the cell itself arrive as `error` messages."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return "\n".join([f'{out.get("ename", "")}: {out.get("evalue", "")}'] + out.get("traceback", [])[1:12])
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            text = out.get("text", "")
            if any(k in text for k in ("UncaughtException", "UnhandledPromiseRejection")):
                return text[-2000:]
    return None


def run(path, inplace, timeout, outdir):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="ganbook", timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": os.getcwd()}})
    t0 = time.time()
    failure = None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError:
                    failure = (index, stderr_error(cell) or "the cell failed (no error output)")
                    break
                except (CellTimeoutError, DeadKernelError) as e:
                    failure = (index, str(e))
                    break
                err = stderr_error(cell)
                if err:
                    failure = (index, err)
                    break
            # Widgets' state (models, image bytes) into the notebook's metadata, as nbclient's own
            # execute() does, so a saved notebook shows the widgets (statically) where it is opened.
            client.set_widgets_metadata()
    finally:
        # A failed run never overwrites the committed notebook: its partial copy goes to outdir.
        target = path if inplace and failure is None else os.path.join(outdir, os.path.basename(path))
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        nbformat.write(nb, target)
    took = time.time() - t0
    if failure:
        index, msg = failure
        src = nb.cells[index].source
        print(f"\u2717 {path}: cell {index} failed after {took:.1f} s\n--- cell source ---\n{src}\n--- error ---\n{msg}", file=sys.stderr)
        return False
    print(f"\u2713 {path} ({took:.1f} s) -> {target}")
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--inplace", action="store_true")
    p.add_argument("--timeout", type=int, default=int(os.environ.get("GANBOOK_CELL_TIMEOUT", "14400")))
    p.add_argument("--outdir", default=os.path.join("out", "notebooks"))
    # also accept --outdir=DIR (argparse does)
    a = p.parse_args()
    for nb in a.notebooks:
        if not run(nb, a.inplace, a.timeout, a.outdir):
            sys.exit(1)


if __name__ == "__main__":
    main()
