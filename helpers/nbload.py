"""Load the functions a notebook defines as a module, the way Run All would define them.

Tests, the grader and benchmarks call the notebook's own EM functions through this loader,
so there is never a second copy of the maths to drift out of date.  The grading worker
(scripts/sandbox.py) loads a submission's definitions with `run_cells` too.
"""

import ast
import json
import linecache
import re
import types
from pathlib import Path

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def is_definition(node):
    """An import, a function or class definition, or NAME = a literal (a constant such as SEED = 0)."""
    if isinstance(node, (ast.Import, ast.ImportFrom, *FUNCTIONS)):
        return True
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        try:
            ast.literal_eval(node.value)
            return True
        except ValueError:
            return False
    return False


def defined_names(source):
    """Names of the top-level functions and classes in `source`, found even if it does not parse."""
    return re.findall(r"^(?:async\s+)?(?:def|class)\s+(\w+)", source, re.M)


def python_cells(cells):
    """(index, source, tags) of each code cell, IPython syntax (%magic, !command) translated as the kernel would."""
    from IPython.core.inputtransformer2 import TransformerManager  # here: the grading worker needs none

    to_python = TransformerManager().transform_cell
    return [(i, to_python("".join(cell["source"])), cell.get("metadata", {}).get("tags", []))
            for i, cell in enumerate(cells) if cell["cell_type"] == "code"]


def run_cells(cells, namespace, keep=is_definition, stop_at_error=True, label=""):
    """Run cells [(index, source, in_full)] in `namespace` -> {name: why it is not defined}.

    Of a cell not `in_full`, only the top-level statements `keep` accepts run.  A cell that does
    not parse is skipped; one that raises stops there, as in the notebook (or, if not
    `stop_at_error`, loses only that statement).  Each cell is in `linecache` as
    "<{label}cell N>", so that tracebacks show the notebook's lines.
    """
    errors = {}
    for index, source, in_full in cells:
        filename = f"<{label}cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            nodes = ast.parse(source, filename).body
        except SyntaxError as err:
            why = f"its cell (cell {index}) has a SyntaxError at line {err.lineno}: {err.msg}"
            errors.update(dict.fromkeys(defined_names(source), why))
            continue
        why = None
        for node in nodes if in_full else filter(keep, nodes):
            try:
                exec(compile(ast.Module([node], []), filename, "exec"), namespace)
            except (Exception, SystemExit) as err:
                why = why or f"its cell (cell {index}) raised {type(err).__name__}: {(str(err).splitlines() or [''])[0]}"
                if stop_at_error:
                    break
        errors.update({name: why for name in defined_names(source) if why and name not in namespace})
    return errors


def load_notebook(path, tag="em"):
    """Execute the definitions of notebook `path`, in order, in a fresh module and return it.

    Code cells tagged `tag` run in full; of every other code cell only the top-level imports,
    function and class definitions and constants run, so a helper or an import a student put
    anywhere is available, while loading neither reads data nor draws figures.
    ``module.__cell_errors__`` maps each function or class that a failing cell did not define to
    the reason, e.g. ``{"e_step": "its cell (cell 19) has a SyntaxError at line 4: invalid syntax"}``.
    """
    path = Path(path)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if not all(isinstance(cell, dict) for cell in cells) or isinstance(cells, (str, dict)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path} is not a Jupyter notebook (.ipynb JSON with a list of cells)") from None
    if not any(tag in cell.get("metadata", {}).get("tags", []) for cell in cells):
        raise ValueError(f"{path} has no code cell tagged {tag!r}")
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    cells = [(i, source, tag in tags) for i, source, tags in python_cells(cells)]
    module.__cell_errors__ = run_cells(cells, module.__dict__, label=f"{path.name} ")
    return module
