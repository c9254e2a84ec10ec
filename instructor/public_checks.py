"""The checks as the student edition ships them: no hidden case, no reference version to call.

`publish(folder)` rewrites the released copy of helpers/checks/ in `folder`.  Each module declares
what is instructor-only in its `PRIVATE` tuple (reference versions, planted answers, hidden shapes);
those definitions, the tuple itself and every branch taken only when `hidden` is true (`hidden`
read as False, and what can then never run dropped) are left out.  A shipped name used only by
private ones, or a private name the shipped code still uses, stops the build with what to declare.
`_recorded.pkl` holds what the reference versions returned on the visible cases for the notebook's
answers, the textbook answers and every planted slip; `reference(name)` replays them in the
student's kernel, so a public check gives the same message as the instructor's.
"""

import ast
import copy
import pickle
from pathlib import Path


def defined(node):
    """The names a top-level statement defines."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def used(nodes):
    """The names these statements read (as a name, or as an attribute: _references.public)."""
    walked = [n for node in nodes for n in ast.walk(node)]
    # module.name counts too
    return {n.id for n in walked if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} | \
        {n.attr for n in walked if isinstance(n, ast.Attribute)}


def imported(nodes):
    """The core's names these statements import (`from helpers.checks import ...`)."""
    return {a.name for node in nodes if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("helpers.checks") for a in node.names}


def declared(tree):
    """The names a module's `PRIVATE = (...)` declares."""
    for node in tree.body:
        if "PRIVATE" in defined(node):
            return set(ast.literal_eval(node.value))
    return set()


class Visible(ast.NodeTransformer):
    """`hidden` is False: fold it, prune the branches it selects, and drop what follows a return."""

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, ast.Name) and node.id == "hidden" and isinstance(node.ctx, ast.Load):
            return ast.Constant(False)
        if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
                and isinstance(node.operand, ast.Constant)):
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


def flags(tree):
    """`tree` with every parameter that receives `hidden` at each call in the module renamed
    `hidden` (`def cases(show_all)` called as `cases(hidden)`), so that its branches fold too."""
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    passed = {}                                  # (function, parameter) -> always given `hidden`?
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        f = functions.get(getattr(call.func, "id", None))
        if f is None:
            continue
        names = [a.arg for a in f.args.args]
        given = {**dict(zip(names, call.args)), **{k.arg: k.value for k in call.keywords}}
        for name in names:
            value = given.get(name)
            is_flag = isinstance(value, ast.Name) and value.id == "hidden"
            passed[f.name, name] = passed.get((f.name, name), True) and is_flag
    for (function, parameter), always in passed.items():
        if always and parameter != "hidden":
            for node in ast.walk(functions[function]):
                if isinstance(node, ast.Name) and node.id == parameter:
                    node.id = "hidden"
                elif isinstance(node, ast.arg) and node.arg == parameter:
                    node.arg = "hidden"
    return tree


def strip(sources):
    """{module name: source} of helpers/checks -> {module name: public source}: each module's
    PRIVATE names, the declaration and the hidden branches left out, and imports of the core's
    private names. Raises ValueError if shipped code uses a private name, or if a shipped definition
    is used by nothing shipped (it served only private names or hidden cases: it must be
    declared)."""
    trees = {name: ast.parse(source) for name, source in sources.items()}
    private = {name: declared(tree) | {"PRIVATE"} for name, tree in trees.items()}
    trees = {name: Visible().visit(flags(tree)) for name, tree in trees.items()}
    kept = {name: [node for node in tree.body if not defined(node) & private[name]]
            for name, tree in trees.items()}
    core = set().union(*(names for name, names in private.items() if name.startswith("_")))
    for name, nodes in kept.items():
        for node in nodes:
            if (isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("helpers.checks")):
                node.names = [a for a in node.names if a.name not in core - {"PRIVATE"}]
        kept[name] = [node for node in nodes if not isinstance(node, ast.ImportFrom) or node.names]
    shipped_uses = set().union(*(used(nodes) | imported(nodes) for nodes in kept.values()))
    for name, nodes in kept.items():
        where = f"helpers/checks/{name}.py"
        still = used(nodes) & private[name]
        if still:
            raise ValueError(f"{where}: the shipped code uses {sorted(still)}, which its PRIVATE "
                             f"declares instructor-only; remove the use, or the name from PRIVATE")
        idle = {n for node in nodes for n in defined(node)} - shipped_uses - PUBLIC
        if idle:
            raise ValueError(f"{where}: nothing shipped uses {sorted(idle)} (only private names or "
                             f"hidden cases do): add it to PRIVATE, or remove it")
    return {name: ast.unparse(ast.fix_missing_locations(ast.Module(nodes, []))) + "\n"
            for name, nodes in kept.items()}


# What is read from outside the modules: by the core (an exercise's USES, STATED, STEP and its two
# checks), by the notebook (check) and by grading (run_all).
PUBLIC = {"USES", "GIVEN", "STATED", "STEP", "correctness", "robustness", "check", "run_all",
          "__all__"}


def record():
    """{name: [(args, kwargs, result or exception, generator states after)]}, without repeats, of
    the reference calls the visible checks make (as the student edition makes them: no stand-ins) on
    the notebook's answers, the textbook answers and every planted slip."""
    import numpy as np

    import helpers.checks as checks
    from instructor.submissions import bodies, slips, source

    calls = {}

    def recording(name, func):
        def call(*args, **kwargs):
            before = copy.deepcopy((args, kwargs))
            seen = calls.setdefault(name, {})
            try:
                result = func(*args, **kwargs)
            except (ValueError, np.linalg.LinAlgError) as exc:
                # what a check expects a reference to raise
                seen.setdefault(pickle.dumps(before), (*before, exc, []))
                raise
            after = [a.bit_generator.state for a in args if isinstance(a, np.random.Generator)]
            seen.setdefault(pickle.dumps(before), (*before, copy.deepcopy(result), after))
            return result
        return call

    from helpers.checks import _references
    _references.RECORDER, public = recording, _references.public
    # the calls the student edition will make
    _references.public = lambda: True
    try:
        every = checks.graded_parts()
        runs = [(bodies(), every), (bodies("textbook"), every)]
        runs += [(answers, [p for p in every if p[0] == name]) for name, answers, _, _ in slips()]
        for code, parts in runs:
            namespace = {"__name__": "submission"}
            exec(compile(source(code), "<answers>", "exec"), namespace)
            checks.run_all(namespace, hidden=False, parts=parts)
    finally:
        _references.RECORDER, _references.public = None, public
    return {name: list(found.values()) for name, found in calls.items()}


def publish(folder, record_results=True):
    """Rewrite folder/helpers/checks as the student edition's (without `record_results`, no
    _recorded.pkl: the checks cannot run, and grading, which never runs them, needs none)."""
    target = Path(folder) / "helpers" / "checks"
    paths = {path.stem: path for path in target.glob("*.py")}
    public = strip({name: path.read_text(encoding="utf-8") for name, path in paths.items()})
    for name, path in paths.items():
        path.write_text(public[name], encoding="utf-8")
    if record_results:
        with open(target / "_recorded.pkl", "wb") as out:
            pickle.dump(record(), out)
