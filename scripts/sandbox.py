"""Grading that no code in a submission can talk its way around (docs/grading.md).

A worker process loads only the submission's definitions (helpers/nbload.py; its notebook never
runs) and calls a student's function when asked, under an audit hook.  The checks, references and
hidden cases stay in this process, which reads back only plain data (JSON, never pickle): the
verdict is made where the submission's code does not run.  A call that hangs or kills the worker
fails that check only.  `grade(nb)` -> {grade_id: Result}; `write_verdicts` fills the check cells.
"""

import ast
import base64
import contextlib
import inspect
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CALL_SECONDS = 20      # at most this long for one call of a student's function
LOAD_SECONDS = 30
STDERR = subprocess.DEVNULL if not os.environ.get("GRADE_DEBUG") else None


# ---- messages: one line of JSON each, both ways (neither side unpickles what the other sent) ----

def send(fd, message):
    data = memoryview(json.dumps(plain(message)).encode() + b"\n")
    while data:
        data = data[os.write(fd, data):]


def receive(fd, deadline=None):
    """The next message, or None at EOF; TimeoutError after `deadline` (time.monotonic())."""
    data = b""
    while not data.endswith(b"\n"):
        if deadline is not None and not select.select([fd], [], [], max(0, deadline - time.monotonic()))[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        data += chunk
    return json.loads(data, object_hook=decode)


def plain(value):
    """value as JSON data: numeric arrays (base64), tuples and generators as tagged dicts, another
    object as a string naming its type."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.random.Generator):
        return {"__rng__": value.bit_generator.state}
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        if a.dtype.kind not in "biuf":
            try:
                a = a.astype(float)
            except (TypeError, ValueError):
                return f"<an array of {a.dtype}>"
        return {"__array__": [a.dtype.str, a.shape, base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()]}
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def decode(data):
    """plain()'s tagged dicts back (json.loads' object_hook): only numeric arrays, PCG64 generators and
    tuples are built."""
    if "__array__" in data:
        dtype, shape, raw = data["__array__"]
        if np.dtype(dtype).kind not in "biuf":
            raise ValueError("not a numeric array")
        return np.frombuffer(base64.b64decode(raw), dtype=dtype).reshape(shape).copy()
    if "__rng__" in data:
        rng = np.random.default_rng()
        rng.bit_generator.state = data["__rng__"]
        return rng
    return tuple(data["__tuple__"]) if "__tuple__" in data else data


# ---- the worker ----------------------------------------------------------------------------

WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
REFUSED = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.kill",
           "os.killpg", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
           "os.symlink", "os.truncate", "os.utime", "shutil.", "socket.", "ctypes.", "os.putenv", "pty.")
REFUSED_MODULES = {"ctypes", "_ctypes", "_posixsubprocess", "socket", "_socket", "multiprocessing", "pty"}
# Imported before the audit hook if a cell imports them anywhere (scipy needs ctypes, which the
# hook refuses): importing a library runs none of the student's code.
PRELOADED = {"numpy", "scipy", "math", "itertools", "functools", "collections", "statistics"}


def audit(event, args):
    if event == "open" and len(args) >= 3:
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITES):
            raise PermissionError(f"grading does not let a submission write files ({args[0]})")
    elif event == "import" and args and str(args[0]).split(".")[0] in REFUSED_MODULES:
        raise PermissionError(f"grading does not let a submission import {args[0]}")
    elif event.startswith(REFUSED):
        raise PermissionError(f"grading does not allow {event}")


def load(cells, namespace):
    """Run the definitions of cells [(index, source)] in `namespace` -> [{name: why it is not defined},
    {name: [(parameter, kind)] or None} of each callable].  An import runs only if a function or class
    uses a name it binds: grading does not wait for what the notebook imports for its figures."""
    from helpers.nbload import FUNCTIONS, is_definition, run_cells      # the copy in the worker's folder
    trees = []
    for _, source in cells:
        with contextlib.suppress(SyntaxError):                       # run_cells reports it
            trees.append(ast.parse(source))
    used = {n.id for tree in trees for node in tree.body if isinstance(node, FUNCTIONS)
            for n in ast.walk(node) if isinstance(n, ast.Name)}
    for node in (n for tree in trees for n in ast.walk(tree)):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
        for module in (m for m in modules if m.split(".")[0] in PRELOADED):
            with contextlib.suppress(ImportError):
                __import__(module)
    sys.addaudithook(audit)                                          # from here on, the submission's code runs

    def keep(node):
        return is_definition(node) and (not isinstance(node, (ast.Import, ast.ImportFrom))
                                        or any((a.asname or a.name).split(".")[0] in used for a in node.names))
    errors = run_cells([(i, source, keep) for i, source in cells], namespace, stop_at_error=False)
    signatures = {}
    for name, value in namespace.items():
        if callable(value) and not name.startswith("__"):
            signatures[name] = None
            with contextlib.suppress(TypeError, ValueError):
                signatures[name] = [(p.name, p.kind.name) for p in inspect.signature(value).parameters.values()]
    return [errors, signatures]


def worker(fd_in, fd_out):
    """Load the cells of the first message, send load()'s answer; then serve calls [name, args, kwargs,
    uses] -> ["return", value, generator states], ["raise", kind, text, where] or ["stub", message]."""
    from helpers.words import first_line, not_implemented, your_line      # the checks' own (Worker.start)
    np.seterr(all="ignore")
    namespace = {"__name__": "submission"}
    send(fd_out, load(receive(fd_in), namespace))

    def stand_in(name):
        def call(*args, **kwargs):
            send(fd_out, ["stand_in", name, args, kwargs])
            kind, value = receive(fd_in)
            if kind == "error":
                raise ValueError(f"{name} (the reference, standing in) raised {value}")
            return value
        call.__name__ = name
        return call

    while (message := receive(fd_in)) is not None:
        name, args, kwargs, uses = message
        saved = {u: namespace[u] for u in uses if u in namespace}
        namespace.update({u: stand_in(u) for u in uses})
        try:
            value = namespace[name](*args, **kwargs)
            send(fd_out, ["return", value, [a.bit_generator.state for a in args if isinstance(a, np.random.Generator)]])
        except BaseException as exc:                                 # noqa: B036: SystemExit, KeyboardInterrupt too
            func = namespace.get(name)
            send(fd_out, ["stub", not_implemented(name, func, exc)] if isinstance(exc, NotImplementedError)
                 else ["raise", type(exc).__name__, first_line(exc), your_line(exc, func)])
        finally:
            for u in uses:
                namespace.pop(u, None)
            namespace.update(saved)


# ---- the parent's side ---------------------------------------------------------------------

# helpers, helpers.checks and matplotlib(.pyplot) in the worker: every name is a function doing nothing.
STUB = "def __getattr__(name):\n    return lambda *args, **kwargs: None\n"


class Worker:
    """The worker process of one submission: started (again) when needed, stopped when it dies or hangs."""

    def __init__(self, cells):
        self.cells, self.process = cells, None

    def start(self):
        """A worker in a new folder, the definitions loaded; Remote("a stop") if it dies or hangs doing so."""
        from helpers import checks
        self.folder = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        for package in ("helpers", "helpers/checks", "matplotlib", "matplotlib/pyplot"):
            (self.folder / package).mkdir(parents=True)
            (self.folder / package / "__init__.py").write_text(STUB)
        for name in ("validate.py", "nbload.py"):
            shutil.copy(ROOT / "helpers" / name, self.folder / "helpers" / name)
        words = (inspect.getsource(f) for f in (checks.first_line, checks.your_line, checks.not_implemented))
        (self.folder / "helpers" / "words.py").write_text("import linecache\n\n\n" + "\n\n".join(words))
        from_parent, self.fd_out = os.pipe()
        self.fd_in, to_parent = os.pipe()
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.folder), "PYTHONDONTWRITEBYTECODE": "1",
               **dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")}
        code = (f"import sys; sys.path.insert(0, {str(self.folder)!r}); sys.path.append({str(ROOT / 'scripts')!r}); "
                f"import sandbox; sandbox.worker({from_parent}, {to_parent})")
        self.process = subprocess.Popen([sys.executable, "-I", "-c", code], pass_fds=(from_parent, to_parent),
                                        cwd=self.folder, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=STDERR)
        os.close(from_parent)
        os.close(to_parent)
        self.errors, self.signatures = self.ask(self.cells, LOAD_SECONDS, "the submission's definitions")

    def ask(self, message, seconds, who, references=None):
        """Send a message; answer stand-in calls with `references`; return the worker's reply."""
        deadline = time.monotonic() + seconds
        send(self.fd_out, message)
        while True:
            try:
                reply = receive(self.fd_in, deadline)
            except Exception as exc:                                 # out of time, or not plain() data in JSON
                self.stop()
                why = f"did not return within {seconds} s (grading stopped it)" if isinstance(exc, TimeoutError) \
                    else "sent something the grader cannot read"
                raise Remote("a stop", f"{who} {why}") from None
            if reply is None:
                raise Remote("a stop", f"{who} ended the grading process (exit code {self.stop()})")
            if reply[0] != "stand_in":
                return reply
            _, name, args, kwargs = reply
            try:
                answer = ["value", references[name](*args, **kwargs)]
            except Exception as exc:                                 # the reference refused the student's input
                answer = ["error", f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:80]}"]
            send(self.fd_out, answer)

    def stop(self):
        """End the worker, if one runs, and remove its folder -> its exit code."""
        if self.process is None:
            return None
        os.close(self.fd_in)
        os.close(self.fd_out)
        self.process.kill()                                          # nothing if it has ended
        code, self.process = self.process.wait(), None
        shutil.rmtree(self.folder, ignore_errors=True)
        return code


class Remote(Exception):
    """What happened in the worker, as checks.call reports it: an exception of the student's code
    (kind: its type), or kind "a stop" when the worker died or hung."""

    def __init__(self, kind, text, where=""):
        super().__init__(text)
        self.kind, self.where = kind, where


class RemoteStub(NotImplementedError):
    stub = property(str)                                     # what checks.call says: the worker's message


class Proxy:
    """Calls the student's function `name` in the worker; looks like that function to the checks."""

    def __init__(self, worker, name, uses):
        from helpers.checks import reference
        self.worker, self.__name__, self.uses = worker, name, uses
        self.references = {u: reference(u) for u in uses}           # the stand-ins, and only those
        with contextlib.suppress(TypeError, ValueError, AttributeError):   # none sent: not a plain function
            kinds = inspect.Parameter
            self.__signature__ = inspect.Signature([kinds(n, getattr(kinds, k)) for n, k in worker.signatures[name]])

    def __call__(self, *args, **kwargs):
        if self.worker.process is None:
            self.worker.start()
        reply = self.worker.ask([self.__name__, args, kwargs, self.uses], CALL_SECONDS, self.__name__, self.references)
        if reply[0] == "return":
            for arg, state in zip([a for a in args if isinstance(a, np.random.Generator)], reply[2]):
                arg.bit_generator.state = state
            return reply[1]
        raise RemoteStub(reply[1]) if reply[0] == "stub" else Remote(*reply[1:])


def grade(nb):
    """{grade_id: Result} for every autograded check cell of `nb`, its function checked in a worker."""
    from helpers import checks
    from helpers.nbload import python_cells
    results, failure = {}, None
    worker = Worker([(i, source) for i, source, _ in python_cells(nb.cells)])
    try:
        try:
            worker.start()
        except Remote as death:
            worker.errors, worker.signatures, failure = {}, {}, str(death)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
                continue
            name, _, part = meta["grade_id"].rpartition("_")
            why = failure or (name not in worker.signatures and worker.errors.get(name))
            namespace = {name: Proxy(worker, name, checks.exercise(name).USES)} if name in worker.signatures else {}
            result, = [checks.Result(name, part, False, f"{name} is not defined: {why}")] if why else \
                checks.run_all(namespace, parts=[(name, part, None)])   # the hidden cases too, and say so
            results[meta["grade_id"]] = result._replace(message=f"{result.message}; on the hidden cases too") \
                if result.passed else result
    finally:
        worker.stop()
    return results


def write_verdicts(nb, results):
    """Each check cell's outputs: its verdict (a line, or CheckFailed as nbgrader counts errors)."""
    import nbformat
    for cell in nb.cells:
        result = results.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if result:
            cell.execution_count = 1
            output = (nbformat.v4.new_output("stream", name="stdout", text=result.message + "\n") if result.passed
                      else nbformat.v4.new_output("error", ename="CheckFailed", evalue=result.message,
                                                  traceback=[f"CheckFailed: {result.message}"]))
            output.metadata = {"graded_by": "scripts/sandbox.py"}   # course.points() checks it
            cell.outputs = [output]
    return nb
