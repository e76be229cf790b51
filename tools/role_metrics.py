#!/usr/bin/env python
"""Counts the shape of the roles: what issue 19 measures. Prints numbers; asserts nothing.

Usage: tools/role_metrics.py [ROOT] [--list]

- YAML lines per role (roles/**/*.yml) and in all;
- templated YAML values (a string with ``{{`` or ``{%``) over 300 characters;
- ``changed_when: true`` (and how many of them are on debug tasks);
- shell/command tasks and set_fact tasks;
- private variables (``__<role>_...``) read outside their role;
- another role's defaults read by a role (``ai_stack_*`` are stack-wide
  settings, not a role's);
- the survey facts the common role used to publish, read by another role.

``--list`` prints where each finding is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

LONG = 300
SURVEY = ("ai_stack_host_survey", "ai_stack_units_up", "ai_stack_pending_restarts", "ai_stack_pending_restart_dir")
TASK_KEYS_SHELL = ("ansible.builtin.shell", "ansible.builtin.command", "shell", "command")
TASK_KEYS_SET_FACT = ("ansible.builtin.set_fact", "set_fact")
TASK_KEYS_DEBUG = ("ansible.builtin.debug", "debug")


class Loader(yaml.SafeLoader):
    """SafeLoader that keeps vault-tagged scalars as plain strings."""


Loader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))
Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def walk(node, path=""):
    """Every (path, key, value) of a loaded YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def tasks_of(node):
    """Task-like dicts (those with a name or a module key) in a loaded document."""
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                yield item
                for key in ("block", "rescue", "always"):
                    yield from tasks_of(item.get(key))


def is_true(value):
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def main(argv):
    listing = "--list" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = Path(args[0] if args else ".").resolve()
    roles_dir = root / "roles"
    roles = sorted(p.name for p in roles_dir.iterdir() if p.is_dir())
    defaults = {}
    for role in roles:
        dfile = roles_dir / role / "defaults" / "main.yml"
        data = yaml.load(dfile.read_text(encoding="utf-8"), Loader=Loader) if dfile.exists() else None
        defaults[role] = {k for k in (data or {}) if not k.startswith("ai_stack_")}
    totals = {"lines": 0, "long": 0, "changed_true": 0, "debug_changed": 0, "shell": 0, "set_fact": 0}
    findings = {"long": [], "changed_true": [], "private": [], "foreign_defaults": [], "survey": []}
    print(f"{'role':16} {'lines':>6} {'long':>5} {'ch=true':>7} {'shell':>5} {'setfact':>7}")
    for role in roles:
        counts = dict.fromkeys(totals, 0)
        own_prefix = "__common_" if role in ("_common", "common") else f"__{role}_"
        for path in sorted((roles_dir / role).rglob("*.yml")):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(root)
            counts["lines"] += len(text.splitlines())
            try:
                data = yaml.load(text, Loader=Loader)
            except yaml.YAMLError as exc:
                print(f"{rel}: not YAML: {exc}", file=sys.stderr)
                continue
            for where, key, value in walk(data):
                if isinstance(value, str) and ("{{" in value or "{%" in value) and len(value) > LONG:
                    counts["long"] += 1
                    findings["long"].append(f"{rel} {where}.{key}: {len(value)} characters")
            if "/tasks/" in str(path) or "/handlers/" in str(path):
                for task in tasks_of(data):
                    if is_true(task.get("changed_when")):
                        counts["changed_true"] += 1
                        findings["changed_true"].append(f"{rel}: {task.get('name')}")
                        if any(k in task for k in TASK_KEYS_DEBUG):
                            counts["debug_changed"] += 1
                    if any(k in task for k in TASK_KEYS_SHELL):
                        counts["shell"] += 1
                    if any(k in task for k in TASK_KEYS_SET_FACT):
                        counts["set_fact"] += 1
            for match in sorted(set(re.findall(r"\b(__[a-z][a-z0-9_]*)", text))):
                if not match.startswith(own_prefix):
                    findings["private"].append(f"{rel}: {match}")
            for other, names in defaults.items():
                if other == role:
                    continue
                for name in sorted(names):
                    if re.search(rf"(?<![\w.]){re.escape(name)}\b", text):
                        findings["foreign_defaults"].append(f"{rel}: {name} (defaults of {other})")
            if role != "common":
                for name in SURVEY:
                    if name in text:
                        findings["survey"].append(f"{rel}: {name}")
        for key in totals:
            totals[key] += counts[key]
        print(
            f"{role:16} {counts['lines']:6} {counts['long']:5} {counts['changed_true']:7} "
            f"{counts['shell']:5} {counts['set_fact']:7}"
        )
    print(
        f"{'all':16} {totals['lines']:6} {totals['long']:5} {totals['changed_true']:7} "
        f"{totals['shell']:5} {totals['set_fact']:7}"
    )
    print(f"debug tasks with changed_when true: {totals['debug_changed']}")
    print(f"private (__) variables read outside their role: {len(findings['private'])}")
    print(f"another role's defaults read: {len(findings['foreign_defaults'])}")
    print(f"survey facts of common read by other roles: {len(findings['survey'])}")
    if listing:
        for kind, items in findings.items():
            if items:
                print(f"\n## {kind}")
                for item in items:
                    print(f"  {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
