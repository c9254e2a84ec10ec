"""Grading that no code in a submission can talk its way around (docs/grading.md).

A worker process (instructor/worker.py) runs the submission's cells that its graded functions need,
as the notebook ran them, and calls a student's function when asked.  It runs behind a wall: a
bubblewrap sandbox with its own file system (the Python environment read-only, the student
edition's helpers/ and data/, a temporary folder; no instructor file), its own processes, no
network, no capabilities, a seccomp filter that refuses new processes, and limits on memory, open
files and file size.  The checks, references and hidden cases stay in this process, which reads
back only plain data (JSON, never pickle): the verdict is made where the submission's code does
not run.  A call that hangs or kills the worker fails that check only, and a submission's calls
share one time budget.  `grade(nb, release)` -> {grade_id: Result}; `write_verdicts` fills the
check cells.
"""

import ast
import contextlib
import errno
import inspect
import os
import resource
import shutil
import subprocess
import symtable
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from instructor.worker import DEFINED, Channel, TooLong

ROOT = Path(__file__).resolve().parents[1]
CALL_SECONDS = 20      # at most this long for one call of a student's function
CELL_SECONDS = 10      # ... for one of the cells the graded functions need
# The calls of one submission together, its cells included (seconds): then its checks fail.
BUDGET_SECONDS = float(os.environ.get("GRADE_BUDGET_SECONDS", 60))
# grade without the wall: trusted code only
TRUSTED = os.environ.get("GRADE_TRUSTED") == "1"
# read once: an edit during a class changes nothing
WORKER = Path(__file__).with_name("worker.py").read_text()
STDERR = subprocess.DEVNULL if not os.environ.get("GRADE_DEBUG") else None
LIMITS = {resource.RLIMIT_AS: 4 << 30, resource.RLIMIT_NOFILE: 256, resource.RLIMIT_FSIZE: 64 << 20,
          resource.RLIMIT_CORE: 0}
NO_WALL = ("grading runs each submission behind a wall (bubblewrap and seccomp on Linux), "
           "and {why}: {remedy} "
           "or grade in the container of docs/grading.md; to grade trusted submissions without it, "
           "set GRADE_TRUSTED=1")
INSTALL = ("install bubblewrap (Debian, Ubuntu: apt install bubblewrap; "
           "Fedora: dnf install bubblewrap)")
# bwrap is there but the system refuses it namespaces: a chroot, or a container without them
NAMESPACES = "grade where new namespaces are allowed (not in a chroot; `unshare -U true` must work)"


class NoWall(RuntimeError):
    pass


# ---- the wall ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def no_new_processes():
    """A seccomp filter (compiled BPF, in a temporary file) that refuses fork, vfork and every clone
    that is not a thread: no program can be started, and no fork bomb, behind the wall."""
    import pyseccomp as seccomp
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in ("fork", "vfork"):
        rules.add_rule(seccomp.ERRNO(errno.EPERM), call)
    # CLONE_THREAD
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone",
                   seccomp.Arg(0, seccomp.MASKED_EQ, 0x10000, 0))
    # the C library falls back to clone
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    compiled = tempfile.TemporaryFile()
    rules.export_bpf(compiled)
    return compiled


def wall(folder):
    """The bubblewrap command line that runs a program in `folder` behind the wall, and the file
    descriptor of its seccomp filter; NoWall (saying how to get one) where there is none."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise NoWall(NO_WALL.format(why="bwrap is not installed", remedy=INSTALL))
    try:
        seccomp = no_new_processes()
    except (ImportError, OSError, RuntimeError) as err:
        raise NoWall(NO_WALL.format(why=f"seccomp is not available ({err})",
                                    remedy="install libseccomp (apt install libseccomp2) and "
                                           "pyseccomp (make test installs it)")) from None
    seccomp.seek(0)
    command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
               "--clearenv", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
               "--tmpfs", "/tmp"]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/sbin"):
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    # The Python environment: what Python runs from, and no more (nox, for one, keeps its
    # temporary folders inside the environment's folder, pytest's course folders among them).
    for prefix in dict.fromkeys((sys.base_prefix, sys.prefix)):
        if not prefix.startswith("/usr/"):
            for part in ("bin", "lib", "lib64", "pyvenv.cfg"):
                path = os.path.join(prefix, part)
                if os.path.islink(path):
                    command += ["--symlink", os.readlink(path), path]
                elif os.path.exists(path):
                    command += ["--ro-bind", path, path]
    command += ["--bind", folder, folder, "--chdir", folder, "--seccomp", str(seccomp.fileno())]
    return command, seccomp.fileno()


def check_wall():
    """NoWall, saying how to get one, unless a program can run behind the wall here (or
    GRADE_TRUSTED=1)."""
    if TRUSTED:
        return
    with tempfile.TemporaryDirectory(prefix="grade-wall-") as folder:
        command, seccomp = wall(folder)
        done = subprocess.run([*command, "--", sys.executable, "-c", "import os; os.getppid()"],
                              pass_fds=(seccomp,), capture_output=True, text=True)
    if done.returncode:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise NoWall(NO_WALL.format(why=f"bwrap cannot start a sandbox here ({why})",
                                    remedy=NAMESPACES))


def limits():
    """In the worker before it starts (subprocess's preexec_fn): memory, open files, file size."""
    for limit, value in LIMITS.items():
        resource.setrlimit(limit, (value, value))


# ---- which cells run ----------------------------------------------------------------------

CELL_MAGICS = ("%%time", "%%capture")       # cell magics that only run their cell: the cell runs


def scopes(table):
    yield table
    for child in table.get_children():
        yield from scopes(child)


def names(source):
    """(names a cell binds at the top level, or None for all of them (a star import); names it
    reads as globals, in its own code or in the functions it defines)."""
    table = symtable.symtable(source, "<cell>", "exec")
    top = table.get_symbols()
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
           for n in ast.walk(ast.parse(source))):
        binds = None
    else:
        binds = {s.get_name() for s in top if s.is_assigned() or s.is_imported()}
        binds |= {s.get_name() for t in scopes(table) for s in t.get_symbols()
                  if s.is_declared_global() and s.is_assigned()}
    reads = {s.get_name() for s in top if s.is_referenced()}
    reads |= {s.get_name() for t in scopes(table) for s in t.get_symbols()
              if s.is_global() and s.is_referenced()}
    return binds, reads


def needed(cells, wanted):
    """The cells [(index, source)] that bind a name the graded functions `wanted` need, directly or
    through the cells and functions they use; a cell that does not parse is kept (the worker
    reports its error)."""
    analysed = []
    for index, source in cells:
        try:
            analysed.append((index, source, *names(source)))
        except SyntaxError:
            analysed.append((index, source, set(DEFINED.findall(source)), set()))
    wanted, keep = set(wanted), set()
    while True:
        more = {index for index, _, binds, _ in analysed
                if index not in keep and (binds is None or binds & wanted)}
        if not more:
            return [(index, source) for index, source, *_ in analysed if index in keep]
        keep |= more
        for index, _, _, reads in analysed:
            if index in more:
                wanted |= reads


def python_source(source):
    """A cell's Python, as the kernel runs it: a leading %%time or %%capture line dropped, other
    IPython syntax translated; None for a cell of another language (%%bash, %%writefile, ...)."""
    from IPython.core.inputtransformer2 import TransformerManager
    first, _, rest = source.lstrip().partition("\n")
    if first.startswith("%%"):
        if not first.startswith(CELL_MAGICS):
            return None
        source = rest
    return TransformerManager().transform_cell(source)


# ---- the grader's side --------------------------------------------------------------------

class Worker:
    """The worker process of one submission: started (again) when needed, stopped when it dies or
    hangs; its calls share the submission's time budget."""

    def __init__(self, cells, release):
        self.cells, self.release, self.process, self.left = cells, release, None, BUDGET_SECONDS
        # name -> why: defined in a cell that hung or exited
        self.skipped = {}

    def start(self):
        """A worker in a new folder, its cells run; a cell that hangs or ends the worker is left out
        and the others run again in a new worker.  Remote("a stop") when the budget is spent."""
        while True:
            self.spawn()
            self.running = None
            try:
                self.errors, self.signatures = self.ask(self.cells, CELL_SECONDS,
                                                        "the submission's cells")
            except Remote as death:
                if self.running is None:
                    raise
                source = dict(self.cells)[self.running]
                why = str(death).replace("the submission's cells",
                                         f"its cell (cell {self.running})", 1)
                self.skipped.update(dict.fromkeys(DEFINED.findall(source), why))
                self.cells = [(i, s) for i, s in self.cells if i != self.running]
                continue
            self.errors = {**self.skipped, **self.errors}
            return

    def spawn(self):
        """Start the worker behind the wall, in a new folder with the student edition's helpers/
        and data/ (copies: what it writes there stays there)."""
        import matplotlib
        self.folder = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        (self.folder / "worker.py").write_text(WORKER)
        # matplotlib's font list: not built again
        cache = self.folder / ".matplotlib"
        shutil.copytree(matplotlib.get_cachedir(), cache,
                        ignore=shutil.ignore_patterns("tex.cache"))
        for name in ("helpers", "data"):
            shutil.copytree(Path(self.release) / name, self.folder / name,
                            ignore=shutil.ignore_patterns("__pycache__", "_recorded.pkl"))
        from_parent, self.fd_out = os.pipe()
        self.fd_in, to_parent = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.folder), "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": str(cache), "PYTHONDONTWRITEBYTECODE": "1",
               **dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")}
        command, keep = [sys.executable, "-s", str(self.folder / "worker.py"), str(from_parent),
                         str(to_parent)], ()
        if not TRUSTED:
            bwrap, seccomp = wall(str(self.folder))
            command, keep = [*bwrap, *[a for k, v in env.items() for a in ("--setenv", k, v)], "--",
                             *command], (seccomp,)
        self.process = subprocess.Popen(command, pass_fds=(from_parent, to_parent, *keep),
                                        cwd=self.folder, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=STDERR,
                                        preexec_fn=limits)
        os.close(from_parent)
        os.close(to_parent)
        os.set_blocking(self.fd_out, False)
        self.channel = Channel(self.fd_in, self.fd_out)

    def ask(self, message, seconds, who, references=None):
        """Send a message; answer stand-in calls with `references`; return the worker's reply.  Each
        call (each cell) has `seconds`; all the submission's calls together the budget."""
        start = time.monotonic()
        spent = start + self.left                           # when this submission's budget is spent
        if self.left <= 0:
            raise Remote("a stop", f"{who} was not called: this submission's time budget "
                                   f"({BUDGET_SECONDS:g} s for all its calls) is spent")
        deadline = min(start + seconds, spent)
        try:
            self.channel.send(message, deadline)
            while True:
                reply = self.channel.receive(deadline)
                if reply is None:
                    raise Remote("a stop",
                                 f"{who} ended the grading process (exit code {self.stop()})")
                # the next cell: its own time
                if reply[0] == "cell":
                    self.running, deadline = reply[1], min(time.monotonic() + seconds, spent)
                elif reply[0] == "stand_in":
                    _, name, args, kwargs = reply
                    try:
                        answer = ["value", references[name](*args, **kwargs)]
                    # the reference refused the student's input
                    except Exception as exc:
                        answer = ["error", f"{type(exc).__name__}: "
                                           f"{(str(exc).splitlines() or [''])[0][:80]}"]
                    self.channel.send(answer, deadline)
                else:
                    return reply
        except (TimeoutError, TooLong, ValueError, TypeError, KeyError, OSError) as exc:
            self.stop()
            why = "sent something the grader cannot read"
            if isinstance(exc, TimeoutError):
                why = (f"did not return within {seconds:g} s (grading stopped it)"
                       if deadline < spent else
                       "was stopped: this submission's time budget "
                       f"({BUDGET_SECONDS:g} s for all its calls) is spent")
            raise Remote("a stop", f"{who} {why}") from None
        finally:
            self.left -= time.monotonic() - start

    def stop(self):
        """End the worker, if one runs, and remove its folder -> its exit code."""
        if self.process is None:
            return None
        os.close(self.fd_in)
        os.close(self.fd_out)
        # the sandbox and all in it end with it
        self.process.kill()
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
    # what checks.call says: the worker's message
    stub = property(str)


class Proxy:
    """Calls the student's function `name` in the worker; looks like that function to the checks."""

    def __init__(self, worker, name, uses):
        from helpers.checks import reference
        self.worker, self.__name__, self.uses = worker, name, uses
        # the stand-ins, and only those
        self.references = {u: reference(u) for u in uses}
        # none sent: not a plain function
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            kinds = inspect.Parameter
            self.__signature__ = inspect.Signature([kinds(n, getattr(kinds, k))
                                                    for n, k in worker.signatures[name]])

    def __call__(self, *args, **kwargs):
        if self.worker.process is None:
            self.worker.start()
        reply = self.worker.ask([self.__name__, args, kwargs, self.uses], CALL_SECONDS,
                                self.__name__, self.references)
        if reply[0] == "return":
            for arg, state in zip([a for a in args if isinstance(a, np.random.Generator)],
                                  reply[2]):
                arg.bit_generator.state = state
            # changed in place there: here too
            for key, value in reply[3].items():
                target = kwargs[key] if key in kwargs else args[int(key)]
                with contextlib.suppress(ValueError, TypeError):
                    target[...] = value
            return reply[1]
        raise RemoteStub(reply[1]) if reply[0] == "stub" else Remote(*reply[1:])


def grade(nb, release):
    """{grade_id: Result} for every autograded check cell of `nb`, its function checked in a worker
    that sees `release` (the student edition's folder: its helpers/ and data/)."""
    from helpers import checks
    graded = {i: cell for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
              and not cell.metadata.nbgrader.get("solution")}
    wanted = {checks.exercise_part(cell.metadata.nbgrader.grade_id)[0] for cell in graded.values()}
    cells = [(i, python_source("".join(cell.source))) for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and i not in graded]
    worker = Worker(needed([(i, s) for i, s in cells if s is not None], wanted), release)
    results, failure = {}, None
    try:
        try:
            worker.start()
        except Remote as death:
            worker.errors, worker.signatures, failure = {}, {}, str(death)
        for cell in graded.values():
            grade_id = cell.metadata.nbgrader.grade_id
            name, part = checks.exercise_part(grade_id)
            why = failure or (name not in worker.signatures and worker.errors.get(name))
            namespace = ({name: Proxy(worker, name, checks.exercise(name).USES)}
                         if name in worker.signatures else {})
            # the hidden cases too, and say so
            result, = ([checks.Result(name, part, False, f"{name} is not defined: {why}")] if why
                       else checks.run_all(namespace, parts=[(name, part, None)]))
            results[grade_id] = result._replace(
                message=f"{result.message}; on the hidden cases too") if result.passed else result
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
            output = (nbformat.v4.new_output("stream", name="stdout", text=result.message + "\n")
                      if result.passed
                      else nbformat.v4.new_output("error", ename="CheckFailed",
                                                  evalue=result.message,
                                                  traceback=[f"CheckFailed: {result.message}"]))
            # course.points() checks it
            output.metadata = {"graded_by": "instructor/sandbox.py"}
            cell.outputs = [output]
    return nb
