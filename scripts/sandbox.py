"""Grading that no code in a submission can talk its way around.

The submission's notebook is never run while grading.  A worker process loads only its
definitions (imports, functions, classes, NAME = literal; nothing at the top level of a cell runs)
and calls a student's function when asked.  The checks, their reference versions and their hidden
cases stay in this process, which sends the worker only the inputs of each call and reads back
only plain data (numbers, arrays, lists, dicts: JSON, never pickle).  So a submission cannot
shadow `check`, patch the checking code, read a hidden answer, or write over anything: the
verdict is made where its code does not run.

The worker also runs under an audit hook that refuses writing files, starting programs, sockets
and ctypes (Python's audit hooks are a guard rail, not a wall: see docs/grading.md for what a
determined submission could still do, and how to spot it); a call that does not return in time,
or that kills the worker, fails that check only (a new worker takes the next one).

`grade(nb)` -> {grade_id: Result}; `GradeChecks` is the nbgrader preprocessor that writes those
verdicts into the check cells in place of running the notebook, is in course.py.
"""

import ast
import base64
import json
import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALL_SECONDS = 20      # at most this long for one call of a student's function
LOAD_SECONDS = 30
STDERR = subprocess.DEVNULL if not os.environ.get("GRADE_DEBUG") else None

# ---- messages: length-prefixed; parent -> worker pickled (the worker trusts the parent),
# ---- worker -> parent as JSON with arrays in base64 (the parent trusts nothing it reads).


def send(fd, data):
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd, deadline=None):
    """One message's bytes, or None at EOF; TimeoutError after `deadline` (time.monotonic())."""
    def read(n):
        out = b""
        while len(out) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    raise TimeoutError
            chunk = os.read(fd, n - len(out))
            if not chunk:
                return None
            out += chunk
        return out
    head = read(4)
    return None if head is None else read(struct.unpack(">I", head)[0])


def plain(value, depth=0):
    """value as JSON-able data: numbers, strings, arrays (base64), lists, tuples, dicts."""
    import numpy as np
    if depth > 20:
        return {"__object__": "a structure nested too deep"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        if a.dtype.kind not in "biuf":
            try:
                a = a.astype(float)
            except (TypeError, ValueError):
                return {"__object__": f"an array of {a.dtype}"}
        a = np.ascontiguousarray(a)
        return {"__array__": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}
    if isinstance(value, tuple):
        return {"__tuple__": [plain(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[str(k), plain(v, depth + 1)] for k, v in value.items()]}
    return {"__object__": type(value).__name__}


def unplain(data):
    """The inverse of plain(), building only numbers, strings, numeric arrays, lists, tuples, dicts."""
    import numpy as np
    if isinstance(data, list):
        return [unplain(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__array__" in data:
        dtype, shape, raw = data["__array__"]
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            raise ValueError("not a numeric array")
        return np.frombuffer(base64.b64decode(raw), dtype=dtype).reshape(shape).copy()
    if "__tuple__" in data:
        return tuple(unplain(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: unplain(v) for k, v in data["__dict__"]}
    return f"<{data.get('__object__', 'object')}>"


# ---- the worker ----------------------------------------------------------------------------

WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
REFUSED = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.kill",
           "os.killpg", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
           "os.symlink", "os.truncate", "os.utime", "shutil.", "socket.", "ctypes.", "os.putenv", "pty.")
REFUSED_MODULES = {"ctypes", "_ctypes", "_posixsubprocess", "socket", "_socket", "multiprocessing", "pty"}


def audit(event, args):
    if event == "open" and len(args) >= 3:
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITES):
            raise PermissionError(f"grading does not let a submission write files ({args[0]})")
    elif event == "import" and args and str(args[0]).split(".")[0] in REFUSED_MODULES:
        raise PermissionError(f"grading does not let a submission import {args[0]}")
    elif event.startswith(REFUSED):
        raise PermissionError(f"grading does not allow {event}")


def used_names(trees):
    """Every name the functions and classes of these cells read (an import binding none is not run)."""
    used = set()
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return used


def needed(node, used):
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return any((alias.asname or alias.name).split(".")[0] in used for alias in node.names)


def load(cells, namespace):
    """Run the definitions of each cell in `namespace` -> {name: why it is missing} for cells that fail.

    Imports run only if a function or class uses a name they bind, so grading does not wait for
    libraries the notebook imports for its figures or its last sections.
    """
    import linecache

    from helpers.nbload import defined_names, is_definition  # the copy in the worker's folder
    errors = {}
    trees = []
    for index, code in cells:
        try:
            trees.append(ast.parse(code))
        except SyntaxError:
            pass
    used = used_names(trees)
    for index, code in cells:
        filename = f"<cell {index}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        try:
            tree = ast.parse(code, filename)
        except SyntaxError as err:
            for name in defined_names(code):
                errors[name] = f"its cell has a {type(err).__name__} at line {err.lineno}: {err.msg}"
            continue
        for node in tree.body:                               # one by one: a failed import spoils nothing else
            if not is_definition(node) or not needed(node, used):
                continue
            try:
                exec(compile(ast.Module([node], []), filename, "exec"), namespace)
            except BaseException as err:                      # noqa: B036 (SystemExit too)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    errors[node.name] = f"its cell raised {type(err).__name__}: {str(err)[:80]}"
    return errors


PRELOADED = {"numpy", "scipy", "math", "itertools", "functools", "collections", "statistics"}


def preload(cells):
    """Import, before the audit hook, the libraries of PRELOADED that the cells import anywhere
    (scipy needs ctypes, which the hook refuses): importing a library runs none of the student's code."""
    import importlib
    import numpy.random  # noqa: F401
    for _, code in cells:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                if name.split(".")[0] in PRELOADED:
                    try:
                        importlib.import_module(name)
                    except ImportError:
                        pass


def worker(fd_in, fd_out):
    """Serve calls: ("load", cells) -> ("loaded", errors, signatures); ("call", name, args, kwargs, uses)."""
    import inspect

    import numpy as np
    np.seterr(all="ignore")
    namespace = {"__name__": "submission"}

    def reply(*message):
        send(fd_out, json.dumps(plain(message)).encode())

    def stand_in(name):
        def call(*args, **kwargs):
            reply("stand_in", name, args, kwargs)
            answer = pickle.loads(receive(fd_in))
            if answer[0] == "error":
                raise ValueError(f"{name} (the reference, standing in) raised {answer[1]}")
            return answer[1]
        call.__name__ = name
        return call

    while True:
        message = receive(fd_in)
        if message is None:
            return
        message = pickle.loads(message)
        if message[0] == "load":
            preload(message[1])
            sys.addaudithook(audit)                          # from here on, the submission's code runs
            errors = load(message[1], namespace)
            signatures = {}
            for name, value in namespace.items():
                if callable(value) and not name.startswith("__"):
                    try:
                        signatures[name] = [(p.name, p.kind.name) for p in inspect.signature(value).parameters.values()]
                    except (TypeError, ValueError):
                        signatures[name] = None
            reply("loaded", errors, signatures)
            continue
        _, name, args, kwargs, uses = message
        saved = {u: namespace[u] for u in uses if u in namespace}
        namespace.update({u: stand_in(u) for u in uses})
        generators = [a for a in args if isinstance(a, np.random.Generator)]
        try:
            value = namespace[name](*args, **kwargs)
            reply("return", value, [g.bit_generator.state for g in generators])
        except BaseException as exc:                          # noqa: B036: SystemExit, KeyboardInterrupt too
            reply("raise", *describe(exc, namespace.get(name)))
        finally:
            for u in uses:
                namespace.pop(u, None)
            namespace.update(saved)


def describe(exc, func):
    """(kind, first line, ' (in your code, line N: ...)', stub message or None) of an exception."""
    import linecache
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    code = getattr(func, "__code__", None)
    mine = [f for f in frames if code is not None and f.tb_frame.f_code.co_filename == code.co_filename]
    where = ""
    if mine:
        line = linecache.getline(code.co_filename, mine[-1].tb_lineno).strip()
        line = line if len(line) <= 40 else line[:37] + "..."
        where = f" (in your code, line {mine[-1].tb_lineno}" + (f": {line})" if line else ")")
    text = (str(exc).strip().splitlines() or [""])[0]
    stub = frames[-1].tb_frame.f_code.co_name if isinstance(exc, NotImplementedError) and frames else None
    return type(exc).__name__, text[:90], where, stub


# ---- the parent's side ---------------------------------------------------------------------

class Worker:
    """A worker process with the submission's definitions loaded; restarted after it dies or hangs."""

    def __init__(self, cells):
        self.cells = cells
        self.folder = tempfile.mkdtemp(prefix="grade-worker-")
        os.chmod(self.folder, 0o755)
        stub = "def __getattr__(name):  # grading loads no figures and no checks of its own\n    return _nothing\n\n\n" \
               "def _nothing(*args, **kwargs):\n    return None\n"
        for package in ("helpers", "helpers/checks", "matplotlib", "matplotlib/pyplot"):
            (Path(self.folder) / package).mkdir(parents=True)
            (Path(self.folder) / package / "__init__.py").write_text(stub)
        for name in ("validate.py", "nbload.py"):
            shutil.copy(ROOT / "helpers" / name, Path(self.folder) / "helpers" / name)
        self.process = None

    def start(self):
        from_parent, to_worker = os.pipe()
        from_worker, to_parent = os.pipe()
        env = {"PATH": os.environ.get("PATH", ""), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "HOME": self.folder}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {self.folder!r}); "
             f"sys.path.append({str(ROOT / 'scripts')!r}); import sandbox; sandbox.worker({from_parent}, {to_parent})"],
            pass_fds=(from_parent, to_parent), cwd=self.folder, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=STDERR)
        os.close(from_parent), os.close(to_parent)
        self.fd_out, self.fd_in = to_worker, from_worker
        _, self.errors, self.signatures = self.ask(("load", self.cells), LOAD_SECONDS)

    def ask(self, message, seconds, references=None):
        """Send a message; answer stand-in calls with `references`; return the worker's reply."""
        deadline = time.monotonic() + seconds
        send(self.fd_out, pickle.dumps(message))
        while True:
            try:
                raw = receive(self.fd_in, deadline)
            except TimeoutError:
                self.stop()
                raise Died(f"did not return within {seconds} s (grading stopped it)") from None
            if raw is None:
                code = self.stop()
                raise Died(f"ended the grading process (exit code {code})")
            try:
                reply = unplain(json.loads(raw))
            except (ValueError, TypeError, KeyError):
                self.stop()
                raise Died("sent something the grader cannot read") from None
            if reply[0] != "stand_in":
                return reply
            _, name, args, kwargs = reply
            try:
                answer = ("value", references[name](*args, **kwargs))
            except Exception as exc:                          # the reference refused the student's input
                answer = ("error", f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:80]}")
            send(self.fd_out, pickle.dumps(answer))

    def stop(self):
        if self.process is None:
            return None
        for fd in (self.fd_in, self.fd_out):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        self.process = None
        return code

    def close(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Died(Exception):
    pass


class Remote(Exception):
    """An exception raised by the student's code in the worker, as the checks report it."""

    def __init__(self, kind, text, where):
        super().__init__(text)
        self.kind, self.where = kind, where


class RemoteStub(NotImplementedError):
    def __init__(self, message):
        super().__init__(message)
        self.stub = message


class Proxy:
    """Calls the student's function `name` in the worker; looks like that function to the checks."""

    def __init__(self, worker, name, uses, references):
        self.worker, self.__name__, self.uses, self.references = worker, name, uses, references
        params = worker.signatures.get(name)
        if params is not None:
            import inspect
            kinds = inspect.Parameter
            self.__signature__ = inspect.Signature(
                [kinds(n, getattr(kinds, k)) for n, k in params])

    def __call__(self, *args, **kwargs):
        import numpy as np
        if self.worker.process is None:
            self.worker.start()
        try:
            reply = self.worker.ask(("call", self.__name__, args, kwargs, self.uses), CALL_SECONDS, self.references)
        except Died as death:
            raise Remote("a stop", f"{self.__name__} {death}", "") from None
        if reply[0] == "return":
            for arg, state in zip([a for a in args if isinstance(a, np.random.Generator)], reply[2]):
                arg.bit_generator.state = state
            return reply[1]
        _, kind, text, where, stub = reply
        if kind == "NotImplementedError":
            raise RemoteStub(f"{self.__name__} is not implemented yet: replace `raise NotImplementedError()` "
                             f"with your code" if stub in (None, self.__name__) else
                             f"{self.__name__} calls {stub}, which is not implemented yet")
        raise Remote(kind, text, where)


def submission_cells(nb):
    """(index, source) of every code cell, with IPython's %magics and !commands dropped."""
    import re
    return [(i, re.sub(r"^\s*[%!].*$", "", cell.source, flags=re.M))
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def grade(nb):
    """{grade_id: Result} for every autograded check cell of `nb`, checked in a worker."""
    from helpers import checks
    results = {}
    worker = Worker(submission_cells(nb))
    try:
        try:
            worker.start()
        except Died as death:
            worker.errors, worker.signatures = {}, {}
            load_failure = f"the submission's definitions {death}"
        else:
            load_failure = None
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
                continue
            name, _, part = meta["grade_id"].rpartition("_")
            module = checks.exercise(name)
            if load_failure or name not in worker.signatures:
                why = load_failure or worker.errors.get(name, "run its cell first; if that cell shows an error, fix it first")
                results[meta["grade_id"]] = checks.Result(name, part, False, f"{name} is not defined: {why}")
                continue
            references = {u: checks.reference(u) for u in module.USES}
            proxy = Proxy(worker, name, module.USES, references)
            result = checks.run(name, part, {name: proxy}, hidden=False)
            if result.passed:                                # the hidden cases too, and say so
                hidden = checks.run(name, part, {name: proxy}, hidden=True)
                result = hidden if not hidden.passed else result._replace(
                    message=f"{result.message}; on the hidden cases too")
            results[meta["grade_id"]] = result
    finally:
        worker.close()
    return results


def write_verdicts(nb, results):
    """Each check cell's outputs: its verdict (a line, or CheckFailed as nbgrader counts errors)."""
    import nbformat
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in results:
            result = results[grade_id]
            cell.execution_count = 1
            output = (nbformat.v4.new_output("stream", name="stdout", text=result.message + "\n") if result.passed
                      else nbformat.v4.new_output("error", ename="CheckFailed", evalue=result.message,
                                                  traceback=[f"CheckFailed: {result.message}"]))
            output.metadata = {"graded_by": "scripts/sandbox.py"}   # course.points() checks it
            cell.outputs = [output]
    return nb
