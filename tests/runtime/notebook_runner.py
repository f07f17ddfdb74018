"""Execute a notebook on an ipykernel of this interpreter with nbclient, as Jupyter would.

    python notebook_runner.py NOTEBOOK START_METHOD PGID_FILE CELL_TIMEOUT

The kernel is this interpreter (a kernelspec written to a temporary JUPYTER_PATH runs
``sys.executable -m ipykernel_launcher``), started in the notebook's folder with
``KMP_START_METHOD`` in its environment. The cells' printed output goes to this process's
stdout and stderr, errors as ``Type: message`` plus traceback on stderr. jupyter_client starts
the kernel in a session of its own, so its process group id is written to PGID_FILE for the
caller to kill the kernel and every worker it started, whatever happens here.

Exit status: 0 every cell ran, 1 a cell raised, 3 a cell did not finish within CELL_TIMEOUT.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "kmp-proof"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def write_kernelspec(root: Path, start_method: str) -> None:
    folder = root / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
        "env": {"KMP_START_METHOD": start_method},
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def echo_outputs(cell) -> None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            stream = sys.stdout if output.get("name") == "stdout" else sys.stderr
            stream.write(output.get("text", ""))
        elif output.get("output_type") == "error":
            sys.stderr.write(f"{output['ename']}: {output['evalue']}\n")
            sys.stderr.write(_ANSI.sub("", "\n".join(output.get("traceback", []))) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()


def main() -> int:
    notebook_path, start_method, pgid_file, cell_timeout = sys.argv[1:5]
    with tempfile.TemporaryDirectory(prefix="kmp-kernelspec-") as jupyter_path:
        write_kernelspec(Path(jupyter_path), start_method)
        os.environ["JUPYTER_PATH"] = jupyter_path  # read when the kernel spec is looked up

        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError

        notebook = nbformat.read(notebook_path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=float(cell_timeout),
            kernel_name=KERNEL_NAME,
            shutdown_kernel="immediate",  # a hung kernel would not answer a polite request
            resources={"metadata": {"path": str(Path(notebook_path).resolve().parent)}},
        )
        status = 0
        with client.setup_kernel():
            provisioner = client.km.provisioner
            pgid = getattr(provisioner, "pgid", None) or os.getpgid(provisioner.pid)
            Path(pgid_file).write_text(str(pgid), encoding="utf-8")
            client.wait_for_reply(client.kc.kernel_info())
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    echo_outputs(cell)
                    print(f"CELL TIMEOUT: cell {index + 1} did not finish in {cell_timeout} s",
                          file=sys.stderr, flush=True)
                    status = 3
                    break
                except CellExecutionError:
                    echo_outputs(cell)
                    status = 1
                    break
                echo_outputs(cell)
        return status


if __name__ == "__main__":
    sys.exit(main())
