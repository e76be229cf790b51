# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One command line for ansible.builtin.raw: a bash script and the environment it reads.

raw runs a command without Python on the host (about 0.1 s against 0.3-0.45 s for the shell module) but
takes no ``environment:`` and no stdin, so the roles' read scripts (docker, networking) are handed over as
``env NAME=VALUE ... /bin/bash -c '<script>'``, every word quoted with shlex.quote.
"""

from __future__ import annotations

import re
import shlex

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _value(name, value):
    if value is None:
        return ""
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    raise ValueError(f"shell_command: the value of {name} must be a string, a number or a boolean, got {value!r}")


def command(script, env=None):
    """``env NAME=VALUE ... /bin/bash -c SCRIPT`` with every word quoted; ``env`` maps names to scalars
    (None gives an empty value, a boolean ``True``/``False`` as the environment keyword gives it).

    Raises ValueError for a script that is not a string, a name that is not a shell variable name or a value
    that is not a scalar.
    """
    if not isinstance(script, str):
        raise ValueError(f"shell_command: the script must be a string, got {script!r}")
    words = ["env"]
    for name, value in (env or {}).items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ValueError(f"shell_command: {name!r} is not an environment variable name")
        words.append(shlex.quote(f"{name}={_value(name, value)}"))
    return " ".join([*words, "/bin/bash", "-c", shlex.quote(script)])


def read_failure(what, rc, stdout_lines=None, stderr=""):
    """The error of a read that exited with ``rc`` other than 0 (None: no failure), naming ``what`` ran and
    the last lines it printed (raw over SSH merges stderr into stdout)."""
    if rc in (None, 0, "0", ""):
        return None
    said = [line for line in [*(stdout_lines or [])[-3:], *str(stderr or "").splitlines()[-3:]] if line.strip()]
    return f"{what} failed with rc {rc}" + (": " + " | ".join(said) if said else " and printed nothing")
