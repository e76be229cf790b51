# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`pip` STAND-IN for the ComfyUI stand-in image (tests only; no index is reachable here).

Only `pip install [--user] [-r FILE | PATH]...`, and only local sources: a
requirement must be a directory (absolute, relative to the requirements file,
or file://) holding Python modules or packages, which are copied into the user
site (~/.local/lib/pythonX.Y/site-packages) when --user or PIP_USER=true is
given (as the image's entrypoint sets), else into the system site. Anything
else fails as pip fails without an index. Not pip.
"""

from __future__ import annotations

import os
import shutil
import site
import sys
import sysconfig


def requirement_lines(path):
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.split("#", 1)[0].strip()
            if line:
                yield line


def resolve(spec, base):
    if spec.startswith("file://"):
        spec = spec[len("file://") :]
    if not os.path.isabs(spec):
        spec = os.path.join(base, spec)
    return spec if os.path.isdir(spec) else None


def install(source, target):
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        src = os.path.join(source, name)
        if name.endswith(".py") and name != "setup.py":
            shutil.copy2(src, os.path.join(target, name))
        elif os.path.isfile(os.path.join(src, "__init__.py")):
            shutil.copytree(src, os.path.join(target, name), dirs_exist_ok=True)
    print(f"Successfully installed {os.path.basename(source.rstrip('/'))}")


def main(argv):
    if argv[:1] != ["install"]:
        print("stand-in pip: only 'install' is implemented", file=sys.stderr)
        return 2
    user = os.environ.get("PIP_USER", "").lower() in ("1", "true", "yes", "on")
    specs, args = [], iter(argv[1:])
    for arg in args:
        if arg == "--user":
            user = True
        elif arg in ("-r", "--requirement"):
            path = next(args)
            specs += [(line, os.path.dirname(os.path.abspath(path))) for line in requirement_lines(path)]
        elif arg.startswith("-"):
            continue
        else:
            specs.append((arg, os.getcwd()))
    target = site.getusersitepackages() if user else sysconfig.get_paths()["purelib"]
    for spec, base in specs:
        source = resolve(spec, base)
        if source is None:
            print(f"ERROR: Could not find a version that satisfies the requirement {spec} (from versions: none)",
                  file=sys.stderr)  # fmt: skip
            print(f"ERROR: No matching distribution found for {spec}", file=sys.stderr)
            return 1
        install(source, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
