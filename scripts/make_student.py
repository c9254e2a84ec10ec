"""Write the student edition of a solution notebook (nbgrader's marker convention).

Usage:  python scripts/make_student.py SOLUTION.ipynb STUDENT.ipynb

In every code cell, the lines from `### BEGIN SOLUTION` to `### END SOLUTION`
(markers included) become `# YOUR CODE HERE` and `raise NotImplementedError()`
at the indentation of the BEGIN marker.  Outputs and execution counts are
cleared; markdown, docstrings, input checks and cell tags are kept.
"""

import json
import sys
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def strip_solutions(source):
    """Return `source` (a string) with each solution region replaced by a stub."""
    out, inside = [], False
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        text = line.strip()
        if text == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN} inside another solution region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE\n", f"{indent}raise NotImplementedError()\n"]
        elif text == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "".join(out).rstrip("\n")


def make_student(solution, student):
    nb = json.loads(Path(solution).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        try:
            cell["source"] = strip_solutions("".join(cell["source"])).splitlines(keepends=True)
        except ValueError as err:
            raise SystemExit(f"{solution}, cell {index}: {err}") from None
        cell["outputs"] = []
        cell["execution_count"] = None
        cell["metadata"].pop("execution", None)
    Path(student).parent.mkdir(parents=True, exist_ok=True)
    Path(student).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    make_student(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]}")
