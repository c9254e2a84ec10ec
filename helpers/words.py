"""How a check words what a student's function raised: shared by the checks (helpers/checks) and
the grading worker (instructor/worker.py), so that a message reads the same wherever the function
ran."""

import linecache


def first_line(exc):
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= 90 else text[:87] + "..."


def your_line(exc, func):
    """' (in your code, line 7: w = p / s)' for the deepest frame of exc in func itself (else in its
    cell), or ''."""
    code = getattr(func, "__code__", None)
    found = None
    tb = exc.__traceback__
    while tb is not None and code is not None:
        if tb.tb_frame.f_code is code or (
                tb.tb_frame.f_code.co_filename == code.co_filename
                and (found is None or found.tb_frame.f_code is not code)):
            found = tb
        tb = tb.tb_next
    if found is None:
        return ""
    text = linecache.getline(code.co_filename, found.tb_lineno).strip()
    text = text if len(text) <= 40 else text[:37] + "..."
    return f" (in your code, line {found.tb_lineno}" + (f": {text})" if text else ")")


def not_implemented(name, func, exc):
    """The message for a NotImplementedError: the function itself is a stub, or one it calls is."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    inner = tb.tb_frame.f_code.co_name
    if inner in (name, getattr(func, "__name__", name)):
        return (f"{name} is not implemented yet: "
                "replace `raise NotImplementedError()` with your code")
    return f"{name} calls {inner}, which is not implemented yet"
