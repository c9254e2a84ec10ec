"""Submissions for the tests, made as students make them: the notebook's exercise cells with
each `### BEGIN SOLUTION` region replaced by an answer.  Everything about an exercise is found in
its check module (helpers/checks/<exercise>.py): `TEXTBOOK` (a correct answer as written after the
lecture, not in log space) and `SLIPS` (classic bugs, each with the message its check must give).

    bodies("solution")             grade_id -> the notebook's own answer
    bodies("textbook")             the same, with each exercise's TEXTBOOK answer where it has one
    source(bodies)                 Python source of the exercise cells with these answers
    notebook(released, bodies)     the released notebook (nbgrader's student edition) filled in
    slips()                        every planted slip: (exercise, answers, part, message)
"""

import copy
import json
import re
import textwrap
from pathlib import Path

from helpers.checks import exercise, exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "nb07_em.ipynb"
IMPORTS = "from scipy.stats import multivariate_normal\n"   # what the textbook answers use
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.M | re.S)
STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)\n?", re.M)


def cells(path=NOTEBOOK):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def bodies(kind="solution"):
    """grade_id -> the code of each exercise's answer region."""
    found = {}
    for cell in cells():
        match = re.search(r"### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION",
                          "".join(cell["source"]), re.M | re.S)
        if cell["cell_type"] == "code" and grade_id(cell) and match:
            found[grade_id(cell)] = textwrap.dedent(match.group(1)).strip("\n")
    if kind == "textbook":
        for name in exercises():
            if getattr(exercise(name), "TEXTBOOK", None):
                found[name] = exercise(name).TEXTBOOK.strip("\n")
    return found


def fill(text, answers, pattern=REGION):
    """`text` (a cell's source) with its answer region (or stub) replaced by its grade_id's
    answer."""
    def replace(match, answer):
        return textwrap.indent(answer, match.group(1)) + "\n"
    return lambda gid: pattern.sub(lambda m: replace(m, answers[gid]) if gid in answers else
                                   f"{m.group(1)}raise NotImplementedError()\n", text)


def source(answers):
    """The exercise cells (tagged `em`) with these answers, as one Python source."""
    parts = [IMPORTS]
    for cell in cells():
        if cell["cell_type"] == "code" and "em" in cell["metadata"].get("tags", []):
            parts.append(fill("".join(cell["source"]), answers)(grade_id(cell)))
    return "\n\n".join(parts)


def notebook(released, answers, extra=None):
    """A copy of the `released` nbformat notebook with its stubs filled in; `extra`: grade_id ->
    code put at the top of that cell (a student's import, or an attack)."""
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        gid = grade_id(cell)
        if cell.cell_type == "code" and gid in answers:
            assert len(STUB.findall(cell.source)) == 1, gid
            cell.source = fill(cell.source, answers, STUB)(gid)
        if cell.cell_type == "code" and gid in (extra or {}):
            cell.source = extra[gid] + cell.source
    # the imports cell: as students add theirs
    nb.cells[1].source += "\n" + IMPORTS
    return nb


def planted(answers, name, old, new):
    """answers with `old` replaced by `new` in name's answer (old must occur in it)."""
    assert old in answers[name], f"{name}: {old!r} is not in the answer"
    return {**answers, name: answers[name].replace(old, new)}


def slips():
    """(exercise, answers, part, message) of every slip planted by the check modules."""
    found = []
    for name in exercises():
        for base, old, new, part, message in getattr(exercise(name), "SLIPS", []):
            answers = bodies("textbook") if base == "textbook" else bodies("solution")
            if base not in ("textbook", "solution"):
                answers = {**answers, name: textwrap.dedent(base).strip("\n")}
            found.append((name, planted(answers, name, old, new) if old else answers, part,
                          message))
    return found
