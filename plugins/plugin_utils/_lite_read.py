# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of a light read (the host side is module_utils/_lite.py).

Each module a converged host runs on every re-run (host_facts, ai_host_probe,
directories, pihole_lists, openwebui_admin) has an action plugin built on
:class:`LiteReadAction`. It validates the task's arguments here against the module's
own spec (module_utils/_read_specs.py), then pipes one Python program to the host's
interpreter, the way pipelining sends a module: the module's source and the sources
of the collection's ``module_utils`` it imports, run with module_utils/_lite.py's
stand-in for AnsibleModule, always in check mode.

The real module runs instead, as ``ansible.builtin.normal`` would run it, whenever the
light way does not apply or cannot finish: no pipelining, async, no interpreter known
yet (the first module run discovers it), ``delegate_to``, a path with ``~`` or ``$``
(expanded on the host), a failed or garbled light run, a run that would change something, or a
check-mode answer the action plugin does not take as the module's (``accepts``: openwebui_admin's
check mode does not fail on an account that cannot sign in). So every change, every check-mode
report of one, every failure and every diff comes from the module.
"""

from __future__ import annotations

import json
import os
import re

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.homelab.ai_stack.plugins.module_utils._lite import NEEDS_MODULE

display = Display()

_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_UTILS = "ansible_collections.homelab.ai_stack.plugins.module_utils"
_PACKAGES = [
    "ansible_collections",
    "ansible_collections.homelab",
    "ansible_collections.homelab.ai_stack",
    "ansible_collections.homelab.ai_stack.plugins",
    _UTILS,
]

# The program piped to the host's interpreter: an importer for the sources it carries, then _lite.main.
_BOOT = """import importlib.abc, importlib.util, json, sys
P = json.loads({payload!r})
S = P["sources"]
K = set(P["packages"])
class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in S or name in K:
            return importlib.util.spec_from_loader(name, self, is_package=name in K)
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        if module.__name__ in S:
            exec(compile(S[module.__name__], module.__name__, "exec"), module.__dict__)
sys.meta_path.insert(0, _Finder())
from {utils} import _lite
_lite.main(P)
"""

_SOURCES = {}


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# ``from <module_utils> import _a, _b`` and ``from <module_utils>._x import (y, z)``, at the start of a line.
_IMPORT = re.compile(
    r"^from ansible_collections\.homelab\.ai_stack\.plugins\.module_utils(?:\.(\w+))? import (\([^)]*\)|[^\n]*)",
    re.MULTILINE,
)


def module_utils_imported(source):
    """The collection's module_utils a source imports directly, by name.

    ``from <module_utils> import _x`` and ``from <module_utils>._x import y`` both name ``_x``. A regular
    expression, not ``ast``: every task runs in a fresh worker process, and parsing the sources there
    took longer than the light run saves.
    """
    names = set()
    for module, imported in _IMPORT.findall(source):
        if module:
            names.add(module)
            continue
        for item in imported.strip("()").replace("\n", ",").split(","):
            item = item.split("#")[0].strip()
            if item:
                names.add(item.split(" as ")[0].strip())
    return names


def sources(module):
    """The module's source and those of every module_util it needs, recursively, with _lite (cached per process)."""
    if module not in _SOURCES:
        module_source = _read(os.path.join(_PLUGINS, "modules", f"{module}.py"))
        found = {}
        todo = module_utils_imported(module_source) | {"_lite"}
        while todo:
            name = todo.pop()
            if name in found:
                continue
            found[name] = _read(os.path.join(_PLUGINS, "module_utils", f"{name}.py"))
            todo |= module_utils_imported(found[name]) - set(found)
        _SOURCES[module] = (module_source, {f"{_UTILS}.{name}": text for name, text in found.items()})
    return _SOURCES[module]


def program(module, params, diff=False):
    """The Python program that runs ``module`` light with these validated parameters (tests run it locally)."""
    module_source, utils = sources(module)
    payload = {
        "module_name": f"homelab.ai_stack.{module}",
        "module_source": module_source,
        "params": params,
        "diff": diff,
        "sources": utils,
        "packages": _PACKAGES,
    }
    return _BOOT.format(payload=json.dumps(payload), utils=_UTILS)


def no_log_values(spec, params):
    """The values of the options marked no_log, nested options too, to mask in what the light run returns."""
    values = set()
    for name, option in spec.items():
        value = params.get(name) if isinstance(params, dict) else None
        if value is None:
            continue
        if option.get("no_log"):
            values.add(str(value))
        if option.get("options"):
            for item in value if isinstance(value, list) else [value]:
                values |= no_log_values(option["options"], item)
    return values


def expanded_on_host(spec, params):
    """True when a ``path`` option holds ``~`` or ``$``: AnsibleModule expands those on the host, not here."""
    for name, option in spec.items():
        value = params.get(name) if isinstance(params, dict) else None
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        is_path = option.get("type") == "path" or option.get("elements") == "path"
        if is_path and any("~" in str(item) or "$" in str(item) for item in items):
            return True
        if option.get("options") and any(expanded_on_host(option["options"], item) for item in items):
            return True
    return False


class LiteReadAction(ActionBase):
    """Runs the module of the same name light when it only reads, else as the normal action plugin does."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    MODULE = ""
    SPEC: dict = {}
    # required_together and the like, as the module passes them to AnsibleModule.
    VALIDATION: dict = {}

    def accepts(self, data):
        """Whether the light run's (check-mode) result is the module's own; else the module runs."""
        del data
        return True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        light = self._run_light(task_vars)
        if light is not None:
            return merge_hash(result, light)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _interpreter(self, task_vars):
        value = C.config.get_config_value("INTERPRETER_PYTHON", variables=task_vars)
        value = self._templar.template(value) if value else value
        if not value or str(value).startswith("auto"):
            value = (task_vars.get("ansible_facts") or {}).get("discovered_interpreter_python")
        return str(value) if value else None

    def _run_light(self, task_vars):
        """The module's result from a light run, or None when the module must run."""
        interpreter, params = self._light_inputs(task_vars)
        data = self._light(interpreter, params) if params is not None else interpreter
        if isinstance(data, str):
            display.vvv(f"{self.MODULE}: the module runs ({data})")
            return None
        data.setdefault("changed", False)
        secrets = no_log_values(self.SPEC, params)
        return remove_values(data, secrets) if secrets else data

    def _light_inputs(self, task_vars):
        """``(interpreter, validated parameters)`` for a light run, or ``(why not, None)``."""
        if self._task.async_val:
            return "async", None
        if self._task.delegate_to:
            return "delegated: the module finds the delegated host's interpreter", None
        pipelining = getattr(self._connection, "is_pipelining_enabled", None)
        if pipelining is None or not pipelining(False):
            return "no pipelining", None
        interpreter = self._interpreter(task_vars)
        if not interpreter:
            return "the interpreter is not discovered yet", None
        validated = ArgumentSpecValidator(self.SPEC, **self.VALIDATION).validate(dict(self._task.args))
        if validated.error_messages:
            return "invalid arguments: the module reports them", None
        params = validated.validated_parameters
        if expanded_on_host(self.SPEC, params):
            return "a path with ~ or $, expanded on the host", None
        return interpreter, params

    def _light(self, interpreter, params):
        """The light run's result, or why it has none."""
        env = self._compute_environment_string()
        cmd = self._connection._shell.build_module_command(env, f"#!{interpreter}", "").strip()
        code = program(self.MODULE, params, diff=bool(self._task.diff))
        res = self._low_level_execute_command(cmd, sudoable=True, in_data=code.encode("utf-8"))
        if res.get("rc") != 0:
            return f"rc {res.get('rc')}: {res.get('stderr', '').strip()[-300:]}"
        try:
            data = json.loads(res.get("stdout", "").strip().splitlines()[-1])
        except (ValueError, IndexError):
            return "no JSON in its output"
        if not isinstance(data, dict):
            return "no JSON object in its output"
        if NEEDS_MODULE in data:
            return str(data[NEEDS_MODULE])
        if data.get("failed"):
            return "it failed: the module reports it"
        if not self.accepts(data):
            return "its check-mode answer is not the module's"
        return data
