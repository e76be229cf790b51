#!/usr/bin/env bash
# Run `ansible-test sanity` and `ansible-test units` on this collection, offline,
# for one or more ansible-core versions.
#
#   tests/ansible-test.sh                       # newest core, sanity + units
#   tests/ansible-test.sh --core 2.17 sanity    # one core, one command
#   tests/ansible-test.sh --core all            # every admitted core (2.17 2.18 2.19)
#   tests/ansible-test.sh sanity -- --test pylint plugins/modules/gpu_facts.py
#
# Options:
#   --core X.Y|all   ansible-core version(s) to test (default: newest)
#   --python X.Y     only test with this Python (default: every working interpreter
#                    ansible-test supports, so target-side code is compiled and imported
#                    on the oldest target Python too)
#   --keep           keep the temporary collection tree (and its tests/output) for inspection
#   --shipped        judge only what ships (galaxy.yml build_ignore, minus tests/) instead of
#                    the whole git tree
#   sanity|units|all which ansible-test commands to run (default: all)
#   -- ARGS          extra arguments for ansible-test (e.g. --test NAME, file paths)
#
# What it does, and why:
# * ansible-test only runs from a tree laid out as ansible_collections/<ns>/<name>. The
#   checkout's git tree (every tracked file and every untracked one git does not ignore, as
#   they are in the working tree now) is copied to a temporary one with its own .git, as
#   ansible-test-gh-action checks a collection out: sanity judges the whole repository
#   (molecule/, tests/, tools/ too), not only what ships. --shipped copies only what the
#   tarball holds (galaxy.yml build_ignore, minus tests/, which ansible-test needs).
# * One venv per ansible-core version in .cache/ansible-test/venv-X.Y (pins in
#   tests/sanity/requirements-X.Y.txt), rebuilt when a pin file changes.
# * ansible-test bootstraps pip in each sanity venv with a get-pip.py it downloads from a host
#   that is not reachable here. It takes ~/.ansible/test/cache/get_pip_<ver>.py instead when
#   present, so we put a small stand-in there: ensurepip, then the pinned pip from PyPI.
# * Venvs (ours and ansible-test's under ~/.ansible/test/venv) are created under a lock:
#   several people and CI may run this at once on one machine.
# Functions run through with_lock look unreachable to shellcheck.
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${ROOT}/.cache/ansible-test"
PINS="${ROOT}/tests/sanity"
BASE_PYTHON="${ANSIBLE_TEST_BASE_PYTHON:-python3.11}"
CORES_ALL=(2.17 2.18 2.19)

# Sanity tests that cannot run here, each with the reason. Keep this list empty
# unless a test truly cannot run offline; never hide a finding in the ignore files.
SKIP_TESTS=()

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

cores=("${CORES_ALL[-1]}")
commands=(sanity units)
python_version=""
keep=false
shipped=false
extra=()

while (($#)); do
    case "$1" in
        --core)
            [[ $# -ge 2 ]] || usage 2
            if [[ "$2" == all ]]; then cores=("${CORES_ALL[@]}"); else cores=("$2"); fi
            shift 2 ;;
        --python)
            [[ $# -ge 2 ]] || usage 2
            python_version="$2"
            shift 2 ;;
        --keep) keep=true; shift ;;
        --shipped) shipped=true; shift ;;
        sanity | units) commands=("$1"); shift ;;
        all) commands=(sanity units); shift ;;
        -h | --help) usage 0 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; usage 2 ;;
    esac
done

for core in "${cores[@]}"; do
    if [[ ! -f "${PINS}/requirements-${core}.txt" ]]; then
        echo "ansible-core ${core} is not supported here (no ${PINS}/requirements-${core}.txt)" >&2
        exit 2
    fi
done

mkdir -p "${CACHE}"

# Serialise venv creation between concurrent runs (people and CI share one machine).
with_lock() {
    local lock="$1"
    shift
    (
        flock 9
        "$@"
    ) 9>"${lock}"
}

# Make the interpreters ansible-test may use visible in one directory. pyenv shims on PATH
# exist for versions that are not selected and fail when run; ansible-test would take them
# as available, so PATH gets real interpreters only.
prepare_pythons() {
    local bindir="${CACHE}/bin" v exe
    rm -rf "${bindir}.new"
    mkdir -p "${bindir}.new"
    for v in 3.7 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
        exe=""
        if command -v pyenv >/dev/null 2>&1; then
            exe=$(printf '%s\n' "$(pyenv root)/versions/${v}".*/bin/"python${v}" | sort -V | tail -n 1)
        fi
        if [[ ! -x "${exe}" ]]; then
            exe=$("python${v}" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
        fi
        if [[ -n "${exe}" && -x "${exe}" ]]; then
            ln -s "${exe}" "${bindir}.new/python${v}"
        fi
    done
    # Swap only when something changed: other runs may be using the directory right now.
    if [[ "$(find "${bindir}.new" -type l -printf '%f %l\n' | sort)" != \
        "$(find "${bindir}" -type l -printf '%f %l\n' 2>/dev/null | sort)" ]]; then
        rm -rf "${bindir}"
        mv "${bindir}.new" "${bindir}"
    else
        rm -rf "${bindir}.new"
    fi
}

# (Re)create the venv for one ansible-core version when its pins changed.
prepare_venv() {
    local core="$1"
    local venv="${CACHE}/venv-${core}" stamp
    stamp=$(cat "${PINS}/requirements-${core}.txt" "${PINS}/requirements-units.txt" \
        "${ROOT}/tests/unit/requirements.txt" | sha256sum | cut -d' ' -f1)
    if [[ -f "${venv}/.stamp" && "$(cat "${venv}/.stamp")" == "${stamp}" ]]; then
        return 0
    fi
    echo "== creating ${venv}"
    rm -rf "${venv}"
    "${BASE_PYTHON}" -m venv "${venv}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "${PINS}/requirements-${core}.txt"
    echo "${stamp}" >"${venv}/.stamp"
}

# Offline stand-in for the get-pip.py that ansible-test downloads. ansible-test runs it as
# `python get_pip_X.py --disable-pip-version-check pip==X [--no-setuptools] [--no-wheel]`
# with the new venv's python.
prepare_get_pip() {
    local venv="$1" pip_version cache_file
    # Every pip version this ansible-test may bootstrap (a default, and per-Python overrides).
    for pip_version in $("${venv}/bin/python" - <<'EOF'
import re
import ansible_test._internal.python_requirements as pr
with open(pr.__file__, encoding='utf-8') as f:
    print(' '.join(sorted(set(re.findall(r"pip='([0-9.]+)'", f.read())))))
EOF
    ); do
        cache_file="${HOME}/.ansible/test/cache/get_pip_${pip_version//./_}.py"
        mkdir -p "$(dirname "${cache_file}")"
        cat >"${cache_file}.tmp" <<'EOF'
"""Offline stand-in for get-pip.py, written by homelab.ai_stack tests/ansible-test.sh."""
import subprocess
import sys

args = sys.argv[1:]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet']
                      + [a for a in args if a not in ('--no-setuptools', '--no-wheel')])
if '--no-setuptools' in args:
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '--quiet', '--yes', 'setuptools'])
EOF
        mv "${cache_file}.tmp" "${cache_file}"
    done
}

# Copy the checkout's git tree to <tmp>/ansible_collections/homelab/ai_stack, with a .git of
# its own so ansible-test lists files the way it does in a CI checkout (git ls-files).
lay_out_git_tree() {
    local dest="$1"
    mkdir -p "${dest}"
    (cd "${ROOT}" && git ls-files -z --cached --others --exclude-standard) |
        (cd "${ROOT}" && while IFS= read -r -d '' f; do
            # Deleted in the working tree but still in the index: not there, not copied.
            if [[ -e "${f}" || -L "${f}" ]]; then printf '%s\0' "${f}"; fi
        done) |
        (cd "${ROOT}" && tar --null --no-recursion -T - -cf -) | tar -xf - -C "${dest}"
    # --force: a tracked file that .gitignore matches is still tracked in a CI checkout.
    (cd "${dest}" && git init -q && git add -A --force)
}

# Copy the checkout to <tmp>/ansible_collections/homelab/ai_stack, leaving out what
# galaxy.yml build_ignore leaves out of the tarball, except tests/.
lay_out_collection() {
    local venv="$1" dest="$2"
    "${venv}/bin/python" - "${ROOT}" "${dest}" <<'EOF'
import fnmatch
import os
import shutil
import sys

import yaml

src, dest = sys.argv[1], sys.argv[2]
with open(os.path.join(src, 'galaxy.yml'), encoding='utf-8') as f:
    galaxy = yaml.safe_load(f)
# ansible-galaxy's own defaults, plus local state that must never be walked.
patterns = ['.git', '*.pyc', '*.retry', 'tests/output', '__pycache__', '.collections', '.venv', '.cache', '.ansible',
            '{namespace}-{name}-*.tar.gz'.format(**galaxy)]
patterns += [p for p in galaxy.get('build_ignore') or [] if p != 'tests' and not p.startswith('tests/')]


def ignored(rel):
    return any(fnmatch.fnmatch(rel, p) for p in patterns)


for top, dirs, files in os.walk(src):
    rel_top = os.path.relpath(top, src)
    rel_top = '' if rel_top == '.' else rel_top
    dirs[:] = [d for d in dirs if not ignored(os.path.join(rel_top, d))]
    os.makedirs(os.path.join(dest, rel_top), exist_ok=True)
    for name in dirs + files:
        rel = os.path.join(rel_top, name)
        path = os.path.join(src, rel)
        if name in files and ignored(rel):
            continue
        if os.path.islink(path):
            os.symlink(os.readlink(path), os.path.join(dest, rel))
            if name in dirs:
                dirs.remove(name)
        elif name in files:
            shutil.copy2(path, os.path.join(dest, rel))
EOF
}

run_core() {
    local core="$1"
    local venv="${CACHE}/venv-${core}" work tree status=0 start python_args=() cmd
    with_lock "${CACHE}/.lock-venv-${core}" prepare_venv "${core}"
    with_lock "${CACHE}/.lock-get-pip" prepare_get_pip "${venv}"

    work=$(mktemp -d "${TMPDIR:-/tmp}/ai_stack-ansible-test.XXXXXX")
    WORKDIRS+=("${work}")
    tree="${work}/ansible_collections/homelab/ai_stack"
    if [[ "${shipped}" == true ]]; then
        lay_out_collection "${venv}" "${tree}"
    else
        lay_out_git_tree "${tree}"
    fi

    if [[ -n "${python_version}" ]]; then python_args=(--python "${python_version}"); fi
    local skip_args=()
    local t
    for t in "${SKIP_TESTS[@]}"; do skip_args+=(--skip-test "${t}"); done

    # Real interpreters first, then the rest of PATH without pyenv's shims (see prepare_pythons).
    local path_rest
    path_rest=$(tr ':' '\n' <<<"${PATH}" | grep -v '/shims$' | paste -sd ':')
    export PATH="${CACHE}/bin:${venv}/bin:${path_rest}"

    for cmd in "${commands[@]}"; do
        local result=passed
        start=$(date +%s)
        echo "== ansible-core ${core}: ansible-test ${cmd} (tree: ${tree})"
        case "${cmd}" in
            sanity)
                # ansible-test's own sanity venvs are shared by every run on this machine.
                (cd "${tree}" && with_lock "${HOME}/.ansible/test/.homelab-ai_stack-prime-${core}.lock" \
                    ansible-test sanity --local --prime-venvs "${python_args[@]}" "${skip_args[@]}" >/dev/null) || true
                (cd "${tree}" && ansible-test sanity --local --color=no "${python_args[@]}" "${skip_args[@]}" \
                    "${extra[@]}") || result=failed
                ;;
            units)
                (cd "${tree}" && ansible-test units --local --color=no \
                    --python "${python_version:-$("${venv}/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}" \
                    "${extra[@]}") || result=failed
                ;;
        esac
        echo "== ansible-core ${core}: ansible-test ${cmd} ${result} in $(($(date +%s) - start))s"
        RESULTS+=("ansible-core ${core} ${cmd}: ${result} ($(($(date +%s) - start))s)")
        [[ "${result}" == passed ]] || status=1
    done
    if [[ "${keep}" == true ]]; then echo "== kept ${tree}"; fi
    return "${status}"
}

# ansible-test skips the shellcheck sanity test, with only a warning, when shellcheck is
# missing: install it (Debian package) rather than let that test go quiet.
ensure_shellcheck() {
    command -v shellcheck >/dev/null 2>&1 && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing shellcheck (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    fi
    command -v shellcheck >/dev/null 2>&1 || {
        echo "shellcheck is required by the shellcheck sanity test: apt-get install shellcheck" >&2
        exit 1
    }
}

WORKDIRS=()
cleanup() {
    if [[ "${keep}" == false && ${#WORKDIRS[@]} -gt 0 ]]; then rm -rf "${WORKDIRS[@]}"; fi
}
trap cleanup EXIT

with_lock "${CACHE}/.lock-bin" prepare_pythons
if [[ " ${commands[*]} " == *" sanity "* ]]; then with_lock "${CACHE}/.lock-apt" ensure_shellcheck; fi

# The policy is empty ignore files: a finding is fixed, never ignored.
for f in "${PINS}"/ignore-*.txt; do
    if grep -qv '^[[:space:]]*\(#.*\)\{0,1\}$' "${f}"; then
        echo "${f#"${ROOT}"/} is not empty: fix the findings instead of ignoring them" >&2
        grep -nv '^[[:space:]]*\(#.*\)\{0,1\}$' "${f}" >&2
        exit 1
    fi
done

RESULTS=()
overall=0
for core in "${cores[@]}"; do
    run_core "${core}" || overall=1
done
echo "== summary"
printf '   %s\n' "${RESULTS[@]}"
passed=$(printf '%s\n' "${RESULTS[@]}" | grep -c ': passed' || true)
echo "ansible-test: ${passed} passed, $((${#RESULTS[@]} - passed)) failed"
exit "${overall}"
