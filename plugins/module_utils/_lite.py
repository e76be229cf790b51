# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host side of a light read: one of this collection's read modules run without AnsiballZ.

``plugin_utils/_lite_read.py`` (the controller side) pipes one Python program to the
host's interpreter: a small importer, the sources of the module and of the
``module_utils`` it imports (all standard library only), and :func:`main` called with
the parameters the controller already validated against the module's argument spec.

The module runs unchanged, with :class:`LiteModule` in place of AnsibleModule and
always in check mode, so nothing on the host is ever written this way. A run that
would change something (``changed``), that needs a part of AnsibleModule this class
does not have, or that cannot decide a file attribute for certain, prints
``{"lite_needs_module": ...}`` and the controller runs the real module instead.

Why: a module run imports ``ansible.module_utils.basic`` and about 40 other files
from a zip without bytecode on every run (0.15-0.2 s on the demo host), and the
controller builds that zip once per module and playbook run (0.1-0.2 s). A read that
runs on every no-op costs a third of that this way.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat
import subprocess
import sys
import types

from ansible_collections.homelab.ai_stack.plugins.module_utils import _dirs

NEEDS_MODULE = "lite_needs_module"

_OCTAL_MODE = re.compile(r"^0?[0-7]{3,4}$")


# BaseException, as AnsibleModule's SystemExit: a module's own "except Exception" must not catch them.
class NeedsModule(BaseException):
    """The read cannot finish without the real module (a change, or something it cannot decide)."""


class LiteExit(BaseException):
    """exit_json or fail_json was called: ``result`` is what the module returns."""

    def __init__(self, result):
        super().__init__("exit")
        self.result = result


def _owner_id(value, lookup):
    """The uid/gid ``value`` names (as _dirs reads it), None when unset; an unknown name is the module's to report."""
    if value is None:
        return None
    found = _dirs.owner_id(value, lookup)
    if found is None:
        raise NeedsModule(f"unknown owner or group {str(value)!r}")
    return found


class LiteModule:
    """The part of AnsibleModule the collection's read modules use, for a run that changes nothing."""

    def __init__(self, argument_spec=None, supports_check_mode=False, **_kwargs):
        del argument_spec, supports_check_mode
        self.params = dict(_STATE["params"])
        self.check_mode = True
        self._diff = bool(_STATE.get("diff"))
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(str(warning))

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        dirs = list(opt_dirs or []) + os.environ.get("PATH", "").split(os.pathsep)
        dirs += ["/sbin", "/usr/sbin", "/usr/local/sbin"]
        for directory in dirs:
            candidate = os.path.join(directory, arg)
            if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        if required:
            self.fail_json(msg=f'Failed to find required executable "{arg}" in paths: {os.pathsep.join(dirs)}')
        return None

    def run_command(self, args, check_rc=False, environ_update=None, data=None, binary_data=False, **kwargs):
        if isinstance(args, str) or kwargs.get("use_unsafe_shell") or kwargs.get("cwd"):
            raise NeedsModule("run_command with a shell string, a shell or a working directory")
        env = dict(os.environ)
        env.update(environ_update or {})
        stdin = None
        if data is not None:
            stdin = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
            if not binary_data:
                stdin += b"\n"
        try:
            proc = subprocess.run(  # nosec B603 - an argument list, as AnsibleModule.run_command runs it
                [str(arg) for arg in args],
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                env=env,
                check=False,
            )
        except OSError as exc:
            if check_rc:
                self.fail_json(msg=str(exc), cmd=" ".join(str(arg) for arg in args), rc=2)
            return 2, "", str(exc)
        out = proc.stdout.decode("utf-8", "surrogateescape")
        err = proc.stderr.decode("utf-8", "surrogateescape")
        if check_rc and proc.returncode != 0:
            self.fail_json(msg=err.rstrip() or f"rc {proc.returncode}", rc=proc.returncode, stdout=out, stderr=err)
        return proc.returncode, out, err

    def load_file_common_arguments(self, params, path=None):
        args = dict(params)
        if path is not None:
            args["path"] = path
        if any(args.get(key) is not None for key in ("seuser", "serole", "setype", "selevel", "attributes")):
            raise NeedsModule("SELinux contexts or file attributes")
        return args

    def set_fs_attributes_if_different(self, file_args, changed, diff=None, expand=True):
        """False when owner, group and mode are as asked; anything else is for the module to judge and do."""
        del diff, expand
        path = file_args["path"]
        try:
            st = os.stat(path) if file_args.get("follow", True) else os.lstat(path)
        except OSError as exc:
            raise NeedsModule(f"{path}: {exc}") from exc
        uid = _owner_id(file_args.get("owner"), pwd.getpwnam)
        gid = _owner_id(file_args.get("group"), grp.getgrnam)
        mode = file_args.get("mode")
        if mode is not None:
            if isinstance(mode, int):
                wanted = mode
            elif _OCTAL_MODE.match(str(mode)):
                wanted = int(str(mode), 8)
            else:
                raise NeedsModule(f"symbolic mode {mode!r}")
            if stat.S_IMODE(st.st_mode) != wanted:
                raise NeedsModule(f"{path}: mode")
        if (uid is not None and st.st_uid != uid) or (gid is not None and st.st_gid != gid):
            raise NeedsModule(f"{path}: owner or group")
        return changed

    def exit_json(self, **kwargs):
        if kwargs.get("changed"):
            raise NeedsModule("the module would change something")
        result = dict(kwargs)
        if self.warnings:
            result["warnings"] = self.warnings
        raise LiteExit(result)

    def fail_json(self, msg, **kwargs):
        result = dict(kwargs, failed=True, msg=msg)
        if self.warnings:
            result["warnings"] = self.warnings
        raise LiteExit(result)


_STATE = {"params": {}, "diff": False}


def _fake_basic():
    """``ansible.module_utils.basic`` with LiteModule as AnsibleModule, for the module's own import line."""
    for name in ("ansible", "ansible.module_utils"):
        package = types.ModuleType(name)
        package.__path__ = []
        sys.modules.setdefault(name, package)
    basic = types.ModuleType("ansible.module_utils.basic")
    basic.AnsibleModule = LiteModule
    sys.modules["ansible.module_utils.basic"] = basic


def run(module_name, module_source, params, diff=False):
    """Runs the module's source as ``__main__`` with LiteModule; returns its result, or the reason to use the module."""
    _STATE.update(params=params, diff=diff)
    _fake_basic()
    try:
        code = compile(module_source, module_name, "exec")
        exec(code, {"__name__": "__main__", "__file__": module_name})  # nosec B102 - the collection's own module
    except LiteExit as done:
        return done.result
    except NeedsModule as exc:
        return {NEEDS_MODULE: str(exc)}
    except AttributeError as exc:  # a part of AnsibleModule LiteModule does not have
        return {NEEDS_MODULE: f"AttributeError: {exc}"}
    return {NEEDS_MODULE: "the module returned without exit_json"}


def main(payload):
    """Entry point of the program the controller pipes: prints the result as one JSON line."""
    result = run(payload["module_name"], payload["module_source"], payload["params"], payload.get("diff", False))
    sys.stdout.write(json.dumps(result) + "\n")
