#!/usr/bin/env python
"""Every boolean input of the stack as ``-e name=true|false`` STRINGS.

Reads the ``type: bool`` options of every role's meta/argument_specs.yml
(all entry points; private ``_`` options left out) and gives each the value
the scenario's inventory gives it (molecule.yml provisioner inventory
group_vars and host_vars, when it is a literal boolean), else its argument
spec default, else the literal boolean of the role's defaults/main.yml. An
option with none of these (undefined on purpose) is left out and listed on
stderr. A value given as ``-e name=value`` is a string: a run with these
arguments must behave as the run without them (issue 19).

Usage: tests/stack/bool_args.py [--scenario molecule/stack] [--json | --shell | --names]
  --json (default): the ansible-playbook argv, ["-e", "name=true", ...]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def bool_options(root: Path = ROOT) -> dict[str, dict]:
    """{name: {"role": role, "default": bool or None}} of every public bool option of the roles."""
    found: dict[str, dict] = {}
    for spec_file in sorted(root.glob("roles/*/meta/argument_specs.yml")):
        role = spec_file.parts[-3]
        specs = (yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}).get("argument_specs") or {}
        # main first: its default is the one a play that applies the role sees.
        for entry in sorted(specs, key=lambda e: e != "main"):
            for name, option in ((specs[entry] or {}).get("options") or {}).items():
                if name.startswith("_") or (option or {}).get("type") != "bool":
                    continue
                default = option.get("default")
                known = found.setdefault(name, {"role": role, "default": None})
                if known["default"] is None and isinstance(default, bool):
                    known["default"] = default
    for name, info in found.items():
        if info["default"] is None:
            defaults_file = root / "roles" / info["role"] / "defaults" / "main.yml"
            if defaults_file.exists():
                value = (yaml.safe_load(defaults_file.read_text(encoding="utf-8")) or {}).get(name)
                if isinstance(value, bool):
                    info["default"] = value
    return found


def scenario_vars(scenario: Path) -> dict:
    """The literal variables of the scenario's inventory (every group, then every host, later wins)."""
    molecule = yaml.safe_load((scenario / "molecule.yml").read_text(encoding="utf-8")) or {}
    inventory = (molecule.get("provisioner") or {}).get("inventory") or {}
    merged: dict = {}
    for section in ("group_vars", "host_vars"):
        for variables in (inventory.get(section) or {}).values():
            merged.update(variables or {})
    return merged


def bool_args(scenario: Path, root: Path = ROOT) -> tuple[dict[str, bool], list[str]]:
    """({name: value}, [names left out]) for the scenario."""
    inventory = scenario_vars(scenario)
    values: dict[str, bool] = {}
    left_out: list[str] = []
    for name, info in sorted(bool_options(root).items()):
        value = inventory.get(name, info["default"])
        if isinstance(value, bool):
            values[name] = value
        else:
            left_out.append(name)
    return values, left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default=str(ROOT / "molecule" / "stack"), help="molecule scenario directory")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="ansible-playbook argv as JSON (default)")
    out.add_argument("--shell", action="store_true", help="ansible-playbook arguments, shell-quoted")
    out.add_argument("--names", action="store_true", help="name=value lines")
    args = parser.parse_args(argv)
    values, left_out = bool_args(Path(args.scenario).resolve())
    pairs = [f"{name}={'true' if value else 'false'}" for name, value in values.items()]
    if left_out:
        sys.stderr.write("left out (no literal boolean default): " + ", ".join(left_out) + "\n")
    if args.names:
        print("\n".join(pairs))
    elif args.shell:
        print(" ".join(f"-e {shlex.quote(pair)}" for pair in pairs))
    else:
        print(json.dumps([item for pair in pairs for item in ("-e", pair)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
