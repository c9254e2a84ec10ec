"""The grading worker: runs one submission's cells and calls its functions when the grader asks.

It runs inside the wall that instructor/sandbox.py builds (bubblewrap: its own file system,
processes and network), with only this file, the student edition's helpers/ and data/, and the
Python environment in sight.  The grader's checks, references and hidden cases are not in its file
system.  Messages are one line of JSON each, both ways (`Channel`); the grader imports this module
for it, so both sides speak the same format.

    python worker.py FD_IN FD_OUT
    <- [[index, source], ...]              the cells to run, in notebook order
    -> ["cell", index]                     before each cell runs
    -> [{name: why it is not defined}, {name: [(parameter, kind)] or None}]
    <- [name, args, kwargs, uses]          call namespace[name](*args, **kwargs), the functions
                                           in `uses` standing in for the grader's references
    -> ["return", value, generator states, {argument: its new value} of arrays changed in place]
       ["raise", kind, text, where] or ["stub", message]
    -> ["stand_in", name, args, kwargs]    while a call runs: the grader answers
    <- ["value", value] or ["error", text]
"""

import base64
import inspect
import json
import linecache
import os
import re
import select
import sys
import time

import numpy as np

MAX_MESSAGE = 64 << 20          # bytes: a longer message is refused, not read to its end
DEFINED = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)", re.M)


class TooLong(ValueError):
    pass


class Channel:
    """Messages over a pair of pipes, one line of JSON each."""

    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out, self.buffer = fd_in, fd_out, b""

    def send(self, message, deadline=None):
        """Write one message; TimeoutError if the other side does not read it by `deadline`."""
        data = memoryview(json.dumps(plain(message)).encode() + b"\n")
        while data:
            if deadline is not None and not select.select([], [self.fd_out], [],
                                                          max(0.0, deadline - time.monotonic()))[1]:
                raise TimeoutError
            data = data[os.write(self.fd_out, data[: 1 << 16]):]

    def receive(self, deadline=None):
        """The next message, or None at EOF; TimeoutError after `deadline` (time.monotonic()),
        TooLong past MAX_MESSAGE bytes."""
        chunks = [self.buffer]
        while b"\n" not in chunks[-1]:
            if deadline is not None and (time.monotonic() > deadline or not select.select(
                    [self.fd_in], [], [], max(0.0, deadline - time.monotonic()))[0]):
                raise TimeoutError
            chunks.append(os.read(self.fd_in, 1 << 20))
            if not chunks[-1]:
                return None
            if sum(map(len, chunks)) > MAX_MESSAGE:
                raise TooLong
        line, _, self.buffer = b"".join(chunks).partition(b"\n")
        return json.loads(line, object_hook=decode)


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
        return {"__array__": [a.dtype.str, a.shape,
                              base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()]}
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def decode(data):
    """plain()'s tagged dicts back (json.loads' object_hook): only numeric arrays, PCG64 generators
    and tuples are built."""
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


class NoIPython:
    """get_ipython() while grading: a line magic or `!command` does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def run_cells(cells, namespace, channel):
    """Run each cell [(index, source)] in `namespace`, as a kernel does: a cell that raises stops
    there, and the next one runs -> {name a failing cell did not define: why}.  The grader is told
    which cell runs (["cell", index]), so that a cell that hangs or ends the process can be
    named."""
    errors = {}
    for index, source in cells:
        channel.send(["cell", index])
        filename = f"<cell {index}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except SyntaxError as err:
            why = f"its cell (cell {index}) has a SyntaxError at line {err.lineno}: {err.msg}"
        # SystemExit too, as a kernel
        except BaseException as err:  # noqa: B036
            why = (f"its cell (cell {index}) raised {type(err).__name__}: "
                   f"{(str(err).splitlines() or [''])[0]}")
        else:
            continue
        errors.update({name: why for name in DEFINED.findall(source) if name not in namespace})
    return errors


def signatures(namespace):
    found = {}
    for name, value in list(namespace.items()):
        if callable(value) and not name.startswith("__"):
            found[name] = None
            try:
                found[name] = [(p.name, p.kind.name)
                               for p in inspect.signature(value).parameters.values()]
            except (TypeError, ValueError):
                pass
    return found


def changed(before, after):
    """{position or keyword: new value} of the array arguments a call changed in place."""
    return {key: after[key] for key, old in before.items()
            if not (old.shape == after[key].shape
                    and np.array_equal(old, after[key], equal_nan=True))}


def serve(channel):
    # the student edition's copy
    from helpers.words import first_line, not_implemented, your_line
    namespace = {"__name__": "__main__", "get_ipython": NoIPython}
    cells = channel.receive()
    np.seterr(all="ignore")
    channel.send([run_cells(cells, namespace, channel), signatures(namespace)])

    def stand_in(name):
        def call(*args, **kwargs):
            channel.send(["stand_in", name, args, kwargs])
            kind, value = channel.receive()
            if kind == "error":
                raise ValueError(f"{name} (the reference, standing in) raised {value}")
            return value
        call.__name__ = name
        return call

    while (message := channel.receive()) is not None:
        name, args, kwargs, uses = message
        saved = {u: namespace[u] for u in uses if u in namespace}
        namespace.update({u: stand_in(u) for u in uses})
        arrays = {**{str(i): a for i, a in enumerate(args)}, **kwargs}
        before = {k: a.copy() for k, a in arrays.items() if isinstance(a, np.ndarray)}
        try:
            value = namespace[name](*args, **kwargs)
            channel.send(["return", value,
                          [a.bit_generator.state for a in args
                           if isinstance(a, np.random.Generator)],
                          changed(before, arrays)])
        # SystemExit, KeyboardInterrupt too
        except BaseException as exc:  # noqa: B036
            func = namespace.get(name)
            channel.send(["stub", not_implemented(name, func, exc)]
                         if isinstance(exc, NotImplementedError)
                         else ["raise", type(exc).__name__, first_line(exc), your_line(exc, func)])
        finally:
            for u in uses:
                namespace.pop(u, None)
            namespace.update(saved)


if __name__ == "__main__":
    serve(Channel(int(sys.argv[1]), int(sys.argv[2])))
