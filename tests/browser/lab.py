"""A real JupyterLab, started from this project's venv, and small helpers to drive it.

The server runs in a temporary copy of the project, on a free localhost port, with a
random token and its own configuration, data and settings folders: nothing the user has
(no trusted-notebook database, no saved workspace) changes what the browser sees, and
the copied notebook opens untrusted, as it does for anyone who has just downloaded it.
"""

import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COPIED = ("helpers", "data")  # what the notebook reads besides itself


def picture(png_bytes):
    """A screenshot as an array of RGB values."""
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"), dtype=float)


def difference(a, b):
    """Mean absolute difference of two screenshots of one element, in grey levels (0-255)."""
    assert a.shape == b.shape, "the element changed size"
    return float(np.abs(a - b).mean())


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_project(notebook, dest):
    """Copy the notebook and what it reads into dest; return the notebook's copy."""
    for name in COPIED:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    target = dest / Path(notebook).name
    shutil.copy(notebook, target)
    return target


class Lab:
    """`jupyter lab` serving folder `root`; use as a context manager."""

    def __init__(self, root, home):
        self.root, self.home = Path(root), Path(home)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.home / "lab.log"

    def __enter__(self):
        # Answer JupyterLab's first-run question ("notified about Jupyter news?") with no,
        # as a presenter does once, and never look for updates: nothing is fetched.
        settings = self.home / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}')
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(self.home / "config"),
                   JUPYTER_DATA_DIR=str(self.home / "data"),  # holds the trusted-notebook database
                   JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(self.home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
                   # the venv's kernel first
                   JUPYTER_PATH=str(VENV_BIN.parent / "share" / "jupyter"),
                   JUPYTER_PLATFORM_DIRS="1")
        command = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}",
                   "--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
            command.append("--allow-root")
        self.process = subprocess.Popen(command, env=env, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited; see {self.log}:\n"
                                   f"{self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"jupyter lab did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def notebook_url(self, name):
        # `reset` starts from the default layout (file browser open), not a saved workspace.
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"
