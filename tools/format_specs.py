#!/usr/bin/env python
"""Writes each option of meta/argument_specs.yml that fits on one line as a flow mapping.

An option whose keys hold only scalars (or short lists of scalars, or an empty
``{}``/``[]``) is rewritten ``name: {type: str, default: x, description: ...}``
when the line stays within yamllint's 160 characters; every other line of the
file is kept as it is. The loaded data must be the same before and after, or
the file is left alone. Run it after editing an argument spec.

Usage: tools/format_specs.py [--check] [FILES...]   (default: roles/*/meta/argument_specs.yml)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

WIDTH = 160
ROOT = Path(__file__).resolve().parents[1]


class _Loader(yaml.SafeLoader):
    """Keeps the line of every mapping key's node (``__lines__``: key -> (first, last) line)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    lines = {}
    for key_node, value_node in node.value:
        lines[key_node.value] = (key_node.start_mark.line, value_node.end_mark.line, key_node.start_mark.column)
    return _Mapping(mapping, lines)


class _Mapping(dict):
    def __init__(self, data, lines):
        super().__init__(data)
        self.lines = lines


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _simple(value) -> bool:
    if isinstance(value, dict):
        return not value
    if isinstance(value, list):
        return len(value) <= 8 and all(not isinstance(v, (dict, list)) for v in value)
    return True


def _flow(name: str, option: dict, column: int) -> str | None:
    """One line for the option, or None when it does not fit or is not simple."""
    if not all(_simple(v) for v in option.values()):
        return None
    option = _plain(option)
    line = yaml.safe_dump({name: option}, default_flow_style=None, sort_keys=False, width=10**6)
    line = line.rstrip("\n")
    if "\n" in line:
        # PyYAML put the option in block style: force flow for the option itself.
        inner = yaml.safe_dump(option, default_flow_style=True, sort_keys=False, width=10**6).rstrip("\n")
        line = yaml.safe_dump({name: None}, sort_keys=False).split(":")[0] + ": " + inner
    if "\n" in line or column + len(line) > WIDTH:
        return None
    return " " * column + line


def _options(node, found):
    """(first line, last line, replacement) of every option that becomes one line."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "options" and isinstance(value, _Mapping):
            for name, option in value.items():
                if not isinstance(option, _Mapping):
                    continue
                first, _last, column = value.lines[name]
                text = _flow(name, option, column)
                if text is not None:
                    found.append((first, column, text))
                else:
                    _options(option, found)
        elif isinstance(value, dict):
            _options(value, found)


def format_text(text: str) -> str:
    data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    found = []
    _options(data, found)
    lines = text.splitlines(keepends=True)
    for first, column, replacement in sorted(found, reverse=True):
        # The option's block: the lines after its key that are blank or indented deeper.
        end = first + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) > column):
            end += 1
        while end > first + 1 and not lines[end - 1].strip():
            end -= 1
        lines[first:end] = [replacement + "\n"]
    return "".join(lines)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = [Path(a) for a in argv if not a.startswith("--")] or sorted(ROOT.glob("roles/*/meta/argument_specs.yml"))
    stale = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        new = format_text(text)
        if yaml.safe_load(new) != yaml.safe_load(text):
            print(f"{path}: formatting would change the data; left alone", file=sys.stderr)
            continue
        if new != text:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    for path in stale:
        print(f"{'would reformat' if check else 'reformatted'} {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
