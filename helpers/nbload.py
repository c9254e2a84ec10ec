"""Load the functions a notebook defines as a module, the way Run All would define them.

Tests and benchmarks call the notebook's own EM functions through this loader: there is no
second copy of the maths.  (Grading runs a submission's cells as they are: instructor/worker.py.)
"""

import ast
import json
import linecache
import re
import types
from pathlib import Path

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The top-level functions and classes of a cell, found even if it does not parse.
DEFINED = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)", re.M)


def is_definition(node):
    """An import, a function or class definition, or NAME = a literal (a constant such as
    SEED = 0)."""
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        try:
            ast.literal_eval(node.value)
        except ValueError:
            return False
        return True
    return isinstance(node, (ast.Import, ast.ImportFrom, *FUNCTIONS))


def python_cells(cells):
    """(index, source, tags) of each code cell, IPython syntax (%magic, !command) translated as the
    kernel would."""
    # here: the grading worker needs none
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell
    return [(i, to_python("".join(cell["source"])), cell.get("metadata", {}).get("tags", []))
            for i, cell in enumerate(cells) if cell["cell_type"] == "code"]


def run_cells(cells, namespace, label=""):
    """Run, in `namespace`, the top-level statements that `keep` accepts of each cell [(index,
    source, keep)] -> {name: why it is not defined}.  A cell that does not parse is skipped; one
    that raises stops there, as in the notebook.  linecache holds each cell as
    "<{label}cell N>", so that tracebacks show its lines."""
    errors = {}
    for index, source, keep in cells:
        filename = f"<{label}cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            nodes = ast.parse(source, filename).body
        except SyntaxError as err:
            errors.update(dict.fromkeys(DEFINED.findall(source),
                                        f"its cell (cell {index}) has a SyntaxError "
                                        f"at line {err.lineno}: {err.msg}"))
            continue
        why = None
        for node in filter(keep, nodes):
            try:
                exec(compile(ast.Module([node], []), filename, "exec"), namespace)
            except (Exception, SystemExit) as err:
                first = (str(err).splitlines() or [""])[0]
                why = f"its cell (cell {index}) raised {type(err).__name__}: {first}"
                break
        errors.update({name: why for name in DEFINED.findall(source)
                       if why and name not in namespace})
    return errors


def load_notebook(path, tag="em"):
    """Run notebook `path` in a fresh module: its cells tagged `tag` in full, of the others only the
    definitions (is_definition: a helper or import put anywhere is there, no data is read, no figure
    drawn).  ``module.__cell_errors__``: {name: why a failing cell did not define it}."""
    path = Path(path)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if not all(isinstance(cell, dict) for cell in cells) or isinstance(cells, (str, dict)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path} is not a Jupyter notebook "
                         "(.ipynb JSON with a list of cells)") from None
    if not any(tag in cell.get("metadata", {}).get("tags", []) for cell in cells):
        raise ValueError(f"{path} has no code cell tagged {tag!r}")
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    cells = [(i, source, (lambda node: True) if tag in tags else is_definition)
             for i, source, tags in python_cells(cells)]
    module.__cell_errors__ = run_cells(cells, module.__dict__, label=f"{path.name} ")
    return module
