"""Grade one submission with nbgrader and print the points per function, with the reason for each loss.

Usage:  python scripts/grade.py SUBMISSION.ipynb      (or: make grade NOTEBOOK=SUBMISSION.ipynb)
        python scripts/grade.py --points              the points of each check, from the notebook

A throwaway nbgrader course (scripts/course.py) releases the assignment, autogrades the submission
and writes its feedback; the table is read from nbgrader's gradebook, each reason from the check
cell's output in the autograded notebook.  Code in the answers that reaches for files, other
programs, or the checker's internals is listed for the instructor to read by hand.
"""

import re
import sys
import tempfile
from pathlib import Path

import nbformat

import course

PARTS = ("correctness", "robustness")
# What an honest answer to these exercises never needs (see docs/grading.md).
SUSPICIOUS = re.compile(r"\b(open|exec|eval|compile|__import__|globals|getattr|setattr|importlib|inspect|"
                        r"subprocess|ctypes|socket|pickle|os|sys|gc|builtins|__globals__|__code__|"
                        r"__builtins__|__subclasses__|helpers)\b")


def flags(notebook):
    """grade_id -> the suspicious names its answer cell uses."""
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            names = sorted(set(SUSPICIOUS.findall(re.sub(r"#.*", "", cell.source))))
            if names:
                found[meta["grade_id"]] = names
    return found


def report(rows, notes=()):
    """The table: one row per function, points for correctness and robustness, then the total."""
    lines = [f"{'function':<16}{'correctness':>12}{'robustness':>12}"]
    for name in dict.fromkeys(row["function"] for row in rows):
        mine = {row["part"]: row for row in rows if row["function"] == name}
        columns = [f"{mine[p]['score']:g}/{mine[p]['points']:g}" if p in mine else "-" for p in PARTS]
        failed = [(p, mine[p]["message"]) for p in PARTS if p in mine and mine[p]["score"] < mine[p]["points"]]
        messages = [failed[0][1]] if len({m for _, m in failed}) == 1 else [f"{p}: {m}" for p, m in failed]
        first = f"{name:<16}{columns[0]:>12}{columns[1]:>12}"
        lines.append(f"{first}   {messages[0]}" if messages else first)
        lines += [f"{'':40}   {m}" for m in messages[1:]]
    lines += list(notes)
    total = {p: [sum(r[key] or 0 for r in rows if r["part"] == p) for key in ("score", "points")] for p in PARTS}
    got, out_of = sum(t[0] for t in total.values()), sum(t[1] for t in total.values())
    lines.append(f"total: {got:g}/{out_of:g} points (correctness {total['correctness'][0]:g}/"
                 f"{total['correctness'][1]:g}, robustness {total['robustness'][0]:g}/{total['robustness'][1]:g})")
    return "\n".join(lines)


def grade(notebook):
    """(rows, notes) for one submission, graded by nbgrader in a throwaway course folder."""
    try:
        nbformat.validate(nbformat.read(notebook, as_version=4))
    except FileNotFoundError:
        raise
    except Exception as err:                                  # nbformat raises many kinds for many bad files
        detail = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{notebook} is not a valid Jupyter notebook: {detail}") from None
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        where = Path(folder) / "course"
        course.build_course(where)
        course.submit(where, "submission", notebook)
        course.autograde(where)
        rows = course.points(where)["submission"]
    notes = [f"read by hand: {grade_id} uses {', '.join(names)}" for grade_id, names in flags(notebook).items()]
    return rows, notes


def points_table():
    """The points per function and part, as the notebook's nbgrader metadata gives them."""
    from helpers.checks import graded_parts
    parts = graded_parts()
    lines = [f"{'function':<16}{'correctness':>12}{'robustness':>12}"]
    for name in dict.fromkeys(n for n, _, _ in parts):
        mine = {part: points for n, part, points in parts if n == name}
        lines.append(f"{name:<16}" + "".join(f"{mine.get(p, '-'):>12}" for p in PARTS))
    totals = [sum(points for _, part, points in parts if part == p) for p in PARTS]
    lines.append(f"{'total':<16}" + "".join(f"{t:>12}" for t in totals) + f"   {sum(totals)} points")
    return "\n".join(lines)


def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    if args == ["--points"]:
        return print(points_table())
    if len(args) != 1:
        sys.exit("usage: python scripts/grade.py SUBMISSION.ipynb")
    try:
        rows, notes = grade(args[0])
    except FileNotFoundError as err:
        sys.exit(f"grade: no such file: {err.filename}")
    except ValueError as err:
        sys.exit(f"grade: {err}")
    print(report(rows, notes))


if __name__ == "__main__":
    main()
