"""What grading prints: the table of points per function with the reason for each loss, and the
notes that list what to read by hand (answers using names an honest answer never needs).

    report(rows, notes)           the table, for instructor/grade.py and instructor/course.py
    reading(notebook, release)    "read by hand: ..." notes for one submission
"""

import re

import nbformat

PARTS = ("correctness", "robustness")
# What an honest answer to these exercises never needs (see docs/grading.md).
SUSPICIOUS = re.compile(r"\b(open|exec|eval|compile|__import__|globals|getattr|setattr|"
                        r"importlib|inspect|"
                        r"subprocess|ctypes|socket|pickle|os|sys|gc|builtins|__globals__|__code__|"
                        r"__builtins__|__subclasses__|helpers)\b")


def flags(notebook, release):
    """grade_id (or "cell N" for a cell of its own) -> the suspicious names its code uses that the
    cell did not use as `release` (the student edition) handed it out: answers and new cells alike.
    Check cells are left out: nbgrader puts them back."""
    def suspicious(cell):
        return (set(SUSPICIOUS.findall(re.sub(r"#.*", "", cell.source)))
                if cell.cell_type == "code" else set())
    cells = nbformat.read(release, as_version=4).cells
    by_id, sources = {cell.get("id"): cell for cell in cells}, {cell.source for cell in cells}
    found = {}
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        meta = cell.metadata.get("nbgrader", {})
        given = by_id.get(cell.get("id")) or (
            cells[index] if "id" not in cell and index < len(cells) else None)
        names = [] if cell.source in sources else sorted(
            suspicious(cell) - (suspicious(given) if given else set()))
        if names and not (meta.get("grade") and not meta.get("solution")):
            found[meta.get("grade_id", f"cell {index}")] = names
    return found


def fraction(rows):
    """'score/points' of these rows, or only 'points' for rows without a score (the --points
    table)."""
    points = sum(row["points"] for row in rows)
    if all(row["score"] is None for row in rows):
        return f"{points:g}"
    return f"{sum(row['score'] or 0 for row in rows):g}/{points:g}"


def report(rows, notes=()):
    """The table: a line per function, its points for correctness and robustness and why any were
    lost; then the notes and the total."""
    lines = [f"{'function':<16}{'correctness':>12}{'robustness':>12}"]
    for name in dict.fromkeys(row["function"] for row in rows):
        mine = {p: [row for row in rows if row["function"] == name and row["part"] == p]
                for p in PARTS}
        columns = "".join(f"{fraction(mine[p]) if mine[p] else '-':>12}" for p in PARTS)
        lost = {p: row["message"] for p in PARTS for row in mine[p]
                if row["score"] is not None and row["score"] < row["points"]}
        messages = (list(set(lost.values())) if len(set(lost.values())) == 1
                    else [f"{p}: {m}" for p, m in lost.items()])
        lines.append(f"{name:<16}{columns}" + "".join(f"   {m}" for m in messages[:1]))
        lines += [f"{'':40}   {m}" for m in messages[1:]]
    by_part = ", ".join(f"{p} {fraction([row for row in rows if row['part'] == p])}" for p in PARTS)
    return "\n".join([*lines, *notes, f"total: {fraction(rows)} points ({by_part})"])


def reading(notebook, release):
    """The notes that list what to read by hand."""
    return [f"read by hand: {where} uses {', '.join(names)}"
            for where, names in flags(notebook, release).items()]
