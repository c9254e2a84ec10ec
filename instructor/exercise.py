"""The mechanical part of docs/exercises.md: add, rename or remove a graded exercise.

Usage:  python -m instructor.exercise add "NAME(ARGS)" --after EXERCISE [--points C [R]]
        python -m instructor.exercise rename OLD NEW
        python -m instructor.exercise remove NAME

add     cells after EXERCISE's last check cell: a markdown cell to write, the function cell (tagged
        `em`, its answer between the solution markers) and a check cell per part with its points
        (C for correctness, R for robustness if given); and helpers/checks/NAME.py, a module with
        what the recipe asks (USES, PRIVATE, reference, correctness, TEXTBOOK, SLIPS) to fill in.
rename  the function, its grade ids and its check calls in the notebook; the module's file; the
        name as code (and in messages) in every check module, test and benchmark; `OLD` in docs.
remove  the exercise's check cells and module go; its function stays in the notebook as given
        code (the solution markers and the nbgrader metadata go).  Refused while another check
        module uses its reference version (USES, or reference_of("NAME")).

Each prints the files it changed.  Then: `make execute` (add, rename), and `make test`.
"""

import argparse
import io
import re
import sys
import textwrap
import tokenize
from pathlib import Path

import nbformat

from helpers.checks import PARTS
from instructor.submissions import grade_id

ROOT = Path.cwd()


def notebook_path():
    return ROOT / "nb07_em.ipynb"


def module_path(name):
    return ROOT / "helpers" / "checks" / f"{name}.py"


def solution_meta(gid):
    return {"grade": False, "grade_id": gid, "locked": False, "schema_version": 3, "solution": True}


def check_meta(gid, points):
    return {"grade": True, "grade_id": gid, "locked": True, "points": points, "schema_version": 3,
            "solution": False}


def graded_word(name):
    """`name` as a word of code or text (not inside an identifier, not after an apostrophe), also
    as the start of a grade id (name_correctness)."""
    return re.compile(rf"(?<![\w']){re.escape(name)}(?=_(?:{'|'.join(PARTS)})\b|(?![\w']))")


def renamed_code(source, old, new):
    """Python source with `old` renamed `new`: as a name, inside strings (messages, check("old"),
    grade ids such as "old_correctness") and in comments.  IPython magics are left as they are."""
    if not re.search(re.escape(old), source):
        return source
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return graded_word(old).sub(new, source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string == old:
            text = new
        elif (tok.type in (tokenize.STRING, tokenize.COMMENT)
              or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1)):
            quoted = re.fullmatch(r"""([a-zA-Z]*)('\'\'|\"\"\"|'|")(.*)\2""", tok.string, re.S)
            head, body, tail = ((quoted[1] + quoted[2], quoted[3], quoted[2]) if quoted
                                else ("", tok.string, ""))
            text = head + graded_word(old).sub(new, body) + tail
        else:
            continue
        if text != tok.string:
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            edits.append((start, end, text))
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def renamed_text(text, old, new):
    """Markdown with `old` renamed where it is code: `old` and `old(...)`."""
    return text.replace(f"`{old}`", f"`{new}`").replace(f"`{old}(", f"`{new}(")


def last_cell_of(cells, name):
    """The index of exercise `name`'s last cell (its last check cell)."""
    ids = [grade_id(cell) for cell in cells]
    if name not in ids:
        raise SystemExit(f"exercise: no exercise {name!r} in the notebook (grade ids: "
                         f"{', '.join(i for i in ids if i and '_' not in i)})")
    ours = [i for i, gid in enumerate(ids) if gid in (name, *(f"{name}_{p}" for p in PARTS))]
    return max(ours)


MODULE = '''"""Exercise {name}: (say in one line what the function computes)."""

import numpy as np

from helpers.checks import call, fail, reference as reference_of, two

USES = ()                # the graded functions {name} calls (their reference versions stand in)
# Instructor-only: the student edition leaves these out, and every case of `hidden` = True
# (instructor/public_checks.py); tests/test_leaks.py checks that none of it ships.
PRIVATE = ("reference", "TEXTBOOK", "SLIPS")


def reference({args}):
    """{name}, written independently of the notebook (with numpy or scipy)."""
    raise NotImplementedError("write the reference version of {name}")


def correctness(f, hidden):
    """(what the pass line says: the cases in a few words)"""
    for case, args in [("a first case", ())] if not hidden else [("a hidden case", ())]:
        got = call("{name}", f, *args, case=case)
        expected = reference_of("{name}")(*args)
        if not np.allclose(got, expected):
            a, b = two(got, expected)
            fail("{name}", f"gives {{a}}, expected {{b}}", "(a hint: what to look at)", case)


TEXTBOOK = None          # a correct answer as a student writes it (the code between the markers)

SLIPS = [
    # (base, old, new, part, message): a classic bug planted in base ("solution", "textbook" or a
    # PLANTED_ answer of this module) by replacing old with new, and the message its check gives
]
'''


def add(signature, after, points):
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*\((.*)\)\s*", signature)
    if not match:
        raise SystemExit(f'exercise: give the function as "name(arguments)", not {signature!r}')
    name, args = match.groups()
    if module_path(name).exists():
        raise SystemExit(f"exercise: {module_path(name).relative_to(ROOT)} exists already")
    nb = nbformat.read(notebook_path(), as_version=4)
    where = last_cell_of(nb.cells, after) + 1
    text = nbformat.v4.new_markdown_cell(
        f"### Exercise: `{name}`\n\n"
        f"(Say what `{name}` computes, the formula, and what its check asks.)")
    function = nbformat.v4.new_code_cell(textwrap.dedent(f'''\
        def {name}({args}):
            """(What it returns, with the shapes.)"""
            ### BEGIN SOLUTION
            raise NotImplementedError("the model answer goes here")
            ### END SOLUTION'''))
    function.metadata, function.id = {"tags": ["em"], "nbgrader": solution_meta(name)}, name
    new = [text, function]
    for part, pts in zip(PARTS, points):
        call = f'check("{name}")' if part == "correctness" else f'check("{name}", "{part}")'
        cell = nbformat.v4.new_code_cell(
            f"# Check {name}, {part}: (what it checks, in a few words)\n{call}")
        cell.metadata, cell.id = {"nbgrader": check_meta(f"{name}_{part}", pts)}, f"{name}_{part}"
        new.append(cell)
    nb.cells[where:where] = new
    nbformat.write(nb, notebook_path())
    module_path(name).write_text(MODULE.format(name=name, args=args), encoding="utf-8")
    return [notebook_path(), module_path(name)]


def rename(old, new):
    if not module_path(old).exists():
        raise SystemExit(f"exercise: no check module {module_path(old).relative_to(ROOT)}")
    if module_path(new).exists() or not new.isidentifier():
        raise SystemExit(f"exercise: {new!r} is not a free Python name for an exercise")
    changed = []
    nb = nbformat.read(notebook_path(), as_version=4)
    before = nbformat.writes(nb)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid and (gid == old or gid.startswith(f"{old}_")):
            cell.metadata.nbgrader["grade_id"] = new + gid[len(old):]
            # cells of an exercise are named after it
            if cell.get("id") == gid:
                cell.id = new + gid[len(old):]
        if cell.cell_type == "code":
            cell.source = renamed_code(cell.source, old, new)
        else:
            cell.source = renamed_text(cell.source, old, new)
    if nbformat.writes(nb) != before:
        nbformat.write(nb, notebook_path())
        changed.append(notebook_path())
    module_path(old).rename(module_path(new))
    changed.append(module_path(new))
    code = [*(ROOT / "helpers").rglob("*.py"), *(ROOT / "tests").rglob("*.py"),
            *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "instructor").glob("*.py")]
    for path in code:
        text = path.read_text(encoding="utf-8")
        after = renamed_code(text, old, new)
        if after != text:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        after = renamed_text(text, old, new)
        if after != text:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return list(dict.fromkeys(changed))


def remove(name):
    if not module_path(name).exists():
        raise SystemExit(f"exercise: no check module {module_path(name).relative_to(ROOT)}")
    users = [path.stem for path in module_path(name).parent.glob("*.py")
             if path.stem != name and (re.search(rf'reference_of\("{name}"\)|reference\("{name}"\)',
                                                 path.read_text(encoding="utf-8"))
                                       or re.search(rf'^USES = \([^)]*"{name}"',
                                                    path.read_text(encoding="utf-8"), re.M))]
    if users:
        raise SystemExit(f"exercise: the checks of {', '.join(sorted(users))} use {name}'s "
                         f"reference version; give them their own first")
    nb = nbformat.read(notebook_path(), as_version=4)
    kept = []
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in (f"{name}_{p}" for p in PARTS):
            continue
        if gid == name:
            del cell.metadata["nbgrader"]
            cell.source = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source,
                                 flags=re.M).rstrip("\n")
        kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, notebook_path())
    module_path(name).unlink()
    return [notebook_path(), module_path(name)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    adding = commands.add_parser("add", help="a new exercise: notebook cells and a check module")
    adding.add_argument("signature", help='the function, "name(arguments)"')
    adding.add_argument("--after", required=True, help="the exercise the new one follows")
    adding.add_argument("--points", type=int, nargs="+", default=[2],
                        help="correctness [robustness]")
    renaming = commands.add_parser("rename", help="rename an exercise everywhere")
    renaming.add_argument("old")
    renaming.add_argument("new")
    removing = commands.add_parser("remove",
                                   help="an exercise no longer graded; its function stays")
    removing.add_argument("name")
    args = parser.parse_args(argv)
    if not notebook_path().exists():
        sys.exit("exercise: run it from the project folder (where nb07_em.ipynb is)")
    if args.command == "add":
        changed = add(args.signature, args.after, args.points[:2])
    elif args.command == "rename":
        changed = rename(args.old, args.new)
    else:
        changed = remove(args.name)
    print("\n".join(str(p.relative_to(ROOT)) for p in changed))


if __name__ == "__main__":
    main()
