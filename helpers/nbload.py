"""Load the functions defined in a notebook's tagged code cells as a module.

Tests and benchmarks call the notebook's own EM functions through this loader, so
there is never a second copy of the maths to drift out of date.
"""

import json
import linecache
import types
from pathlib import Path


def load_notebook(path, tag="em"):
    """Execute the code cells of notebook `path` that carry `tag` in a fresh module.

    Only tagged cells run (imports and function definitions), so loading neither
    reads data nor draws figures.  Each cell is registered in `linecache` under a
    name like ``<nb07_em.ipynb cell 7>`` so tracebacks show the notebook's lines.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    found = 0
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or tag not in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"])
        filename = f"<{path.name} cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), module.__dict__)
        found += 1
    if found == 0:
        raise ValueError(f"{path} has no code cell tagged {tag!r}")
    return module
