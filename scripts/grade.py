"""Grade one submission of nb07_em.ipynb as `nbgrader autograde` does; print points per function.

Usage:  python scripts/grade.py SUBMISSION.ipynb [--source nb07_em.ipynb] [--timeout 30]
        (or: make grade NOTEBOOK=SUBMISSION.ipynb)

The steps are nbgrader's, so the points are the same as in nbgrader's gradebook:

1. Every cell that nbgrader locks (the check cells, with their hidden tests) gets back the
   instructor's source from the solution notebook, found by its nbgrader grade_id.  Outputs
   are cleared; a grade_id that appears twice counts only in its last cell, and one that the
   solution does not have counts nowhere.
2. The notebook runs top to bottom in a fresh `python3` kernel, in a temporary folder that
   holds `data/` and `helpers/` as the released assignment does.  A cell that raises does
   not stop the run; a cell gets at most `--timeout` seconds.
3. Each check cell earns all its points unless its output holds an error or anything written
   to stderr (nbgrader's rule); a cell missing from the submission earns 0.

Each check cell is worth the points written in its metadata; a grade_id "<function>_<part>"
is counted under that function, in the column correctness or robustness.  For every cell
that lost points the report shows the one-line message of its error, and when a function's
own cell did not run (a SyntaxError, an exception) it shows that instead, as the root cause.
"""

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "nb07_em.ipynb"
# What the notebook opens beside itself; the course folder releases the same files.
ASSIGNMENT_FILES = ["data", "helpers"]
PARTS = ("correctness", "robustness")
TIMEOUT = 30  # seconds per cell, nbgrader's default


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_locked(meta):
    """nbgrader locks every grade cell that is not a solution, and any cell marked locked."""
    return bool(meta.get("locked")) or (bool(meta.get("grade")) and not meta.get("solution"))


def graded_cells(source):
    """grade_id -> {function, part, points} of each autograded cell (a grade cell, not a solution)."""
    cells = {}
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            name, _, part = meta["grade_id"].rpartition("_")
            if part not in PARTS:
                raise ValueError(f"graded cell {meta['grade_id']!r} is not named '<function>_<part>' "
                                 f"with part one of {PARTS}")
            cells[meta["grade_id"]] = {"function": name, "part": part, "points": float(meta["points"])}
    return cells


def restore_instructor_cells(submission, source):
    """A copy of `submission` prepared as nbgrader's autograde prepares it (step 1 above)."""
    nb = copy.deepcopy(submission)
    originals = {nbgrader_meta(c)["grade_id"]: c for c in source.cells if "grade_id" in nbgrader_meta(c)}
    seen = set()
    for cell in reversed(nb.cells):                          # the last of duplicate grade_ids wins
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen or grade_id not in originals:
            cell.metadata.nbgrader = {}
            continue
        seen.add(grade_id)
        original = originals[grade_id]
        if cell.cell_type != original.cell_type:             # nbgrader turns it back, keeping the text
            cell.cell_type = original.cell_type
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None), cell.pop("execution_count", None)
        if is_locked(nbgrader_meta(original)):
            cell.source = original.source
        cell.metadata.nbgrader = copy.deepcopy(nbgrader_meta(original))
    nb.metadata["kernelspec"] = source.metadata.get("kernelspec", {"name": "python3"})
    return nb


def run(nb, timeout=TIMEOUT):
    """Execute `nb` in place in a fresh kernel, in a folder holding the assignment's files.

    Returns None, or a one-line reason if the run broke off (the kernel died).
    """
    # The kernel named "python3" that comes with this Python's ipykernel, as `make` arranges.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(Path(sys.prefix) / "share" / "jupyter"), os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        for name in ASSIGNMENT_FILES:
            shutil.copytree(ROOT / name, Path(folder) / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        client = NotebookClient(
            nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"the cell ran longer than {timeout} s",
                              "traceback": []},
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            resources={"metadata": {"path": folder}})
        try:
            client.execute(stderr=subprocess.DEVNULL)              # the kernel's own log, not the notebook's
        except Exception as err:  # the kernel died or would not start: grade what ran
            return f"the run stopped: {type(err).__name__}: {str(err).strip().splitlines()[-1]}"
    return None


def error_message(cell):
    """The one-line reason a cell failed, from its outputs (an error first, else stderr); None if none."""
    outputs = cell.get("outputs", [])
    for output in outputs:
        if output.output_type == "error":
            value = output.evalue.strip().splitlines()[0] if output.evalue.strip() else ""
            if output.ename in ("CheckFailed", "AssertionError") and value:
                return value
            where = re.fullmatch(r"(.*) \(.*, line (\d+)\)", value)  # IPython names the cell's temp file
            if output.ename in ("SyntaxError", "IndentationError", "TabError") and where:
                return f"{output.ename} at line {where.group(2)}: {where.group(1)}"
            return f"{output.ename}: {value}" if value else output.ename
    for output in outputs:
        if output.output_type == "stream" and output.name == "stderr":
            return "wrote to stderr: " + (output.text.strip().splitlines() or [""])[0]
    return None


def cell_score(cell, points):
    """nbgrader's rule for an autograded code cell: 0 on an error or stderr output, else all points
    (or the number the cell displays, as partial credit)."""
    if cell.cell_type != "code" or cell.get("execution_count") is None:
        return 0.0
    for output in cell.outputs:
        if output.output_type == "error" or (output.output_type == "stream" and output.name == "stderr"):
            return 0.0
        if output.output_type == "execute_result":
            try:
                value = float(output.get("data", {}).get("text/plain", ""))
            except ValueError:
                return points
            return value if 0 <= value <= points else points
    return points


def read_notebook(path):
    """The notebook at `path`, or ValueError saying in one line why it is not one."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        raise
    except Exception as err:  # nbformat raises many kinds for many kinds of bad file
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{path} is not a valid Jupyter notebook: {detail}") from None
    return nb


def grade(path, source_path=SOURCE, timeout=TIMEOUT):
    """Grade the submission at `path`.  Returns (rows, notes).

    rows: one dict per autograded cell: grade_id, function, part, score, points, message, and
    root_cause (why the function's own cell failed, if it did).
    notes: lines about the submission as a whole (answers graded by hand, a run that broke off).
    """
    source = read_notebook(source_path)
    expected = graded_cells(source)
    nb = restore_instructor_cells(read_notebook(path), source)
    broke_off = run(nb, timeout)

    cells = {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if "grade_id" in nbgrader_meta(c)}
    root_causes = {}                                         # function -> why its own cell failed
    for grade_id, cell in cells.items():
        message = error_message(cell) if nbgrader_meta(cell).get("solution") else None
        if message and cell.cell_type == "code":
            root_causes[grade_id] = f"its cell fails: {message}"
    rows = []
    for grade_id, info in expected.items():
        cell = cells.get(grade_id)
        if cell is None:
            score = 0.0
            message = f"the check cell {grade_id!r} is missing from the submission (nbgrader gives 0 and flags it)"
        else:
            score = cell_score(cell, info["points"])
            message = None if score == info["points"] else (
                error_message(cell) or ("not run" if cell.get("execution_count") is None else "partial credit"))
        rows.append({"grade_id": grade_id, **info, "score": score, "message": message,
                     "root_cause": root_causes.get(info["function"])})
    notes = []
    answers = [nbgrader_meta(c)["grade_id"] for c in source.cells
               if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
    if answers:
        notes.append(f"graded by hand, not here: {', '.join(answers)}")
    if broke_off:
        notes.append(broke_off)
    return rows, notes


def report(rows, notes):
    """The table: one row per function, points for correctness and robustness, then the total."""
    functions = list(dict.fromkeys(row["function"] for row in rows))
    lines = [f"{'function':<16}{'correctness':>12}{'robustness':>12}"]
    for name in functions:
        mine = {row["part"]: row for row in rows if row["function"] == name}
        columns = [f"{mine[p]['score']:g}/{mine[p]['points']:g}" if p in mine else "-" for p in PARTS]
        root = next((row["root_cause"] for row in mine.values() if row["root_cause"]), None)
        failed = [(p, mine[p]["message"]) for p in PARTS if p in mine and mine[p]["message"]]
        if root:
            messages = [root]
        elif len({message for _, message in failed}) == 1:
            messages = [failed[0][1]]                        # the same reason for both parts
        else:
            messages = [f"{p}: {message}" for p, message in failed]
        first = f"{name:<16}{columns[0]:>12}{columns[1]:>12}"
        lines.append(f"{first}   {messages[0]}" if messages else first)
        lines += [f"{'':40}   {m}" for m in messages[1:]]
    lines += notes
    total = {p: [sum(r[key] for r in rows if r["part"] == p) for key in ("score", "points")] for p in PARTS}
    got, out_of = sum(t[0] for t in total.values()), sum(t[1] for t in total.values())
    lines.append(f"total: {got:g}/{out_of:g} points (correctness {total['correctness'][0]:g}/"
                 f"{total['correctness'][1]:g}, robustness {total['robustness'][0]:g}/{total['robustness'][1]:g})")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="the submission (.ipynb)")
    parser.add_argument("--source", default=str(SOURCE), help="the instructor's notebook (default: %(default)s)")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per cell (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        rows, notes = grade(args.notebook, args.source, args.timeout)
    except FileNotFoundError as err:
        sys.exit(f"grade: no such file: {err.filename}")
    except ValueError as err:
        sys.exit(f"grade: {err}")
    print(report(rows, notes))


if __name__ == "__main__":
    main()
