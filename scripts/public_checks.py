"""The checks as the student edition ships them: no hidden case, no reference version to call.

`publish(folder)` rewrites the released copy of helpers/checks/ in `folder`.  Each exercise module
loses its `reference` functions, its planted answers (TEXTBOOK, SLIPS, SEED_CONTRACT, PLANTED_*)
and every branch taken only when `hidden` is true (`hidden` read as False, and what can then never
run dropped).  `_recorded.pkl` holds what the reference versions returned on the visible cases for
the notebook's answers, the textbook answers and every planted slip; `reference(name)` replays
them in the student's kernel, so a public check gives the same message as the instructor's.
"""

import ast
import copy
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Instructor-only names of a check module; so is every name that starts with PLANTED_.
DROPPED = {"reference", "reference_log_joint", "TEXTBOOK", "SLIPS", "SEED_CONTRACT", "HIDDEN_SHAPES", "_RECENT"}


class Visible(ast.NodeTransformer):
    """`hidden` is False: fold it, prune the branches it selects, and drop what follows a return."""

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, ast.Name) and node.id == "hidden" and isinstance(node.ctx, ast.Load):
            return ast.Constant(False)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
            return ast.Constant(not node.operand.value)
        if isinstance(node, (ast.If, ast.IfExp)) and isinstance(node.test, ast.Constant):
            kept = node.body if node.test.value else node.orelse
            return kept if isinstance(node, ast.IfExp) else kept or ast.Pass()
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            ends = [i for i, s in enumerate(statements) if isinstance(s, ast.Return)] \
                if isinstance(statements, list) else []
            if ends:
                setattr(node, field, statements[:ends[0] + 1])
        return node


def strip(source, core=False):
    """The public source of a check module (of the core, helpers/checks/__init__.py, if `core`)."""
    tree = Visible().visit(ast.parse(source))
    dropped = {"HIDDEN_SHAPES"} if core else DROPPED
    body = []
    for node in tree.body:
        names = {node.name} if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else \
            {t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)}
        if names & dropped or (not core and any(n.startswith("PLANTED_") for n in names)):
            continue
        if isinstance(node, ast.ImportFrom):
            node.names = [a for a in node.names if a.name != "HIDDEN_SHAPES"]
        body.append(node)
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def record():
    """{name: [(args, kwargs, result or exception, generator states after)]}, without repeats, of the
    reference calls the visible checks make (as the student edition makes them: no stand-ins) on the
    notebook's answers, the textbook answers and every planted slip."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import numpy as np

    import helpers.checks as checks
    from exercises import bodies, slips, source

    calls = {}

    def recording(name, func):
        def call(*args, **kwargs):
            before = copy.deepcopy((args, kwargs))
            seen = calls.setdefault(name, {})
            try:
                result = func(*args, **kwargs)
            except (ValueError, np.linalg.LinAlgError) as exc:   # what a check expects a reference to raise
                seen.setdefault(pickle.dumps(before), (*before, exc, []))
                raise
            after = [a.bit_generator.state for a in args if isinstance(a, np.random.Generator)]
            seen.setdefault(pickle.dumps(before), (*before, copy.deepcopy(result), after))
            return result
        return call

    checks.RECORDER, public = recording, checks.public
    checks.public = lambda: True                             # the calls the student edition will make
    try:
        every = checks.graded_parts()
        runs = [(bodies(), every), (bodies("textbook"), every)]
        runs += [(answers, [p for p in every if p[0] == name]) for name, answers, _, _ in slips()]
        for code, parts in runs:
            namespace = {"__name__": "submission"}
            exec(compile(source(code), "<answers>", "exec"), namespace)
            checks.run_all(namespace, hidden=False, parts=parts)
    finally:
        checks.RECORDER, checks.public = None, public
    return {name: list(found.values()) for name, found in calls.items()}


def publish(folder, record_results=True):
    """Rewrite folder/helpers/checks as the student edition's (without `record_results`, no
    _recorded.pkl: the checks cannot run, and grading, which never runs them, needs none)."""
    target = Path(folder) / "helpers" / "checks"
    for path in target.glob("*.py"):
        path.write_text(strip(path.read_text(encoding="utf-8"), core=path.stem == "__init__"), encoding="utf-8")
    if record_results:
        with open(target / "_recorded.pkl", "wb") as out:
            pickle.dump(record(), out)
