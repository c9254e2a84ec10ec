"""Load the functions a notebook defines as a module, the way Run All would define them.

Tests, the grader and benchmarks call the notebook's own EM functions through this loader,
so there is never a second copy of the maths to drift out of date.
"""

import ast
import json
import linecache
import re
import types
from pathlib import Path

# Top-level statements kept from a cell that is not tagged: they define things and do no work.
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def is_definition(node):
    """An import, a function or class definition, or NAME = a literal (a constant such as SEED = 0)."""
    if isinstance(node, DEFINITIONS):
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


def load_notebook(path, tag="em"):
    """Execute the definitions of notebook `path`, in order, in a fresh module and return it.

    Code cells tagged `tag` run in full.  From every other code cell only the top-level
    imports, function and class definitions and constants run, so a helper or an import a
    student put anywhere is available, while loading neither reads data nor draws figures.
    IPython syntax (``%magic``, ``!command``) is translated as the kernel would.

    A cell that does not parse, or raises, is skipped from that point, as in the notebook;
    ``module.__cell_errors__`` maps each function or class it defines to the reason, e.g.
    ``{"e_step": "its cell (cell 19) has a SyntaxError at line 4: invalid syntax"}``.
    Each cell is registered in `linecache` under a name like ``<nb07_em.ipynb cell 7>``
    so that tracebacks show the notebook's lines.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path}")
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
    module.__cell_errors__ = errors = {}
    from IPython.core.inputtransformer2 import TransformerManager  # here: the grading worker imports this file

    to_python = TransformerManager().transform_cell
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = to_python("".join(cell["source"]))
        filename = f"<{path.name} cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            tree = ast.parse(source, filename)
        except SyntaxError as err:
            for name in defined_names(source):
                errors[name] = f"its cell (cell {index}) has a SyntaxError at line {err.lineno}: {err.msg}"
            continue
        if tag not in cell.get("metadata", {}).get("tags", []):
            tree.body = [node for node in tree.body if is_definition(node)]
        try:
            exec(compile(tree, filename, "exec"), module.__dict__)
        except Exception as err:  # the notebook stops this cell here too
            message = str(err).splitlines()[0] if str(err) else ""
            for name in defined_names(source):
                if name not in module.__dict__:
                    errors[name] = f"its cell (cell {index}) raised {type(err).__name__}: {message}"
    return module
