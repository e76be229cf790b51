#!/usr/bin/env bash
# Build the Galaxy tarball the way a release does, and check what users get:
#   1. `ansible-galaxy collection build` succeeds;
#   2. the tarball holds no tests, molecule, CI, venv or other dev files, and holds what
#      Galaxy and users need (MANIFEST.json, README, meta/runtime.yml, changelog, plugins, roles);
#   3. it installs with `ansible-galaxy collection install --no-deps` into an empty path;
#   4. from there `ansible-doc -l homelab.ai_stack` lists every module and filter of the checkout,
#      `ansible-doc -t role -l` every public role, and each plugin's documentation renders.
#
#   tests/sanity/test_build.sh          # uses ansible-galaxy/ansible-doc from .venv/bin, else PATH
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -x "${ROOT}/.venv/bin/ansible-galaxy" ]]; then BIN="${ROOT}/.venv/bin/"; else BIN=""; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ai_stack-build.XXXXXX")
trap 'rm -rf "${work}"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# Run ansible outside the checkout, with an empty config: the checkout's ansible.cfg puts
# the checkout itself on the collections path, which would hide a broken tarball.
printf '[defaults]\n' >"${work}/ansible.cfg"
export ANSIBLE_CONFIG="${work}/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_COLLECTIONS_PATH="${work}/collections"

# 1. build
start=$(date +%s)
(cd "${work}" && "${BIN}ansible-galaxy" collection build --output-path "${work}/dist" "${ROOT}") >"${work}/build.log" 2>&1 || {
    cat "${work}/build.log"
    echo "FAIL: ansible-galaxy collection build"
    exit 1
}
tarball=$(ls "${work}"/dist/homelab-ai_stack-*.tar.gz)
pass "built $(basename "${tarball}") ($(du -h "${tarball}" | cut -f1)) in $(($(date +%s) - start))s"

# 2. contents
tar -tzf "${tarball}" | sed 's|^\./||; s|/$||' | sort >"${work}/files.txt"
forbidden='^(tests|molecule|\.ci|\.config|\.collections|\.venv|\.cache|\.git|\.github|\.pytest_cache|\.ruff_cache|\.hypothesis|tools)(/|$)'
forbidden+='|(^|/)(__pycache__|\.ansible|\.plugin-cache\.yaml)(/|$)|\.pyc$|\.retry$|\.tar\.gz$'
forbidden+='|^(Makefile|requirements-dev\.txt|pyproject\.toml|ansible\.cfg|\.gitignore|\.yamllint|\.ansible-lint|\.pre-commit-config\.yaml)$'
if grep -E "${forbidden}" "${work}/files.txt" >"${work}/forbidden.txt"; then
    fail "dev files in the tarball (add them to galaxy.yml build_ignore): $(cut -d/ -f1 "${work}/forbidden.txt" | sort -u | tr '\n' ' ')"
    sed 's/^/    /' "${work}/forbidden.txt" | head -n 20
else
    pass "no tests, molecule, CI, venv or dev files in the tarball"
fi
for required in MANIFEST.json FILES.json README.md meta/runtime.yml changelogs/changelog.yaml; do
    if grep -qx "${required}" "${work}/files.txt"; then pass "tarball has ${required}"; else fail "tarball lacks ${required}"; fi
done
for f in "${ROOT}"/plugins/modules/*.py "${ROOT}"/plugins/filter/*.py "${ROOT}"/plugins/module_utils/*.py \
    "${ROOT}"/plugins/doc_fragments/*.py "${ROOT}"/roles/*/meta/argument_specs.yml; do
    [[ -e "${f}" ]] || continue
    rel="${f#"${ROOT}"/}"
    grep -qx "${rel}" "${work}/files.txt" || fail "tarball lacks ${rel}"
done

# 3. install
if "${BIN}ansible-galaxy" collection install --no-deps -p "${work}/collections" "${tarball}" >"${work}/install.log" 2>&1; then
    pass "installs with ansible-galaxy collection install --no-deps"
else
    cat "${work}/install.log"
    fail "ansible-galaxy collection install --no-deps"
fi

# 4. the installed plugins load and their docs render
cd "${work}"
"${BIN}ansible-doc" -l homelab.ai_stack >"${work}/modules.txt" 2>&1 || true
"${BIN}ansible-doc" -t filter -l homelab.ai_stack >"${work}/filters.txt" 2>&1 || true
"${BIN}ansible-doc" -t role -l homelab.ai_stack >"${work}/roles.txt" 2>&1 || true
if grep -q 'WARNING\|ERROR' "${work}"/modules.txt "${work}"/filters.txt "${work}"/roles.txt; then
    fail "ansible-doc -l warns about the installed collection:"
    grep -h 'WARNING\|ERROR' "${work}"/modules.txt "${work}"/filters.txt "${work}"/roles.txt | sed 's/^/    /'
fi

check_listed() { # type name listing-file
    if grep -qE "^homelab\.ai_stack\.$2([[:space:]]|:)" "$3"; then
        if "${BIN}ansible-doc" -t "$1" "homelab.ai_stack.$2" >"${work}/doc.txt" 2>&1 && ! grep -q 'WARNING\|ERROR' "${work}/doc.txt"; then
            pass "ansible-doc -t $1 homelab.ai_stack.$2 renders"
        else
            fail "ansible-doc -t $1 homelab.ai_stack.$2 does not render cleanly:"
            grep 'WARNING\|ERROR' "${work}/doc.txt" | head -n 5 | sed 's/^/    /'
        fi
    else
        fail "ansible-doc -t $1 -l does not list homelab.ai_stack.$2"
    fi
}
for f in "${ROOT}"/plugins/modules/*.py; do
    [[ -e "${f}" ]] || continue
    name=$(basename "${f}" .py)
    [[ "${name}" == __init__ ]] || check_listed module "${name}" "${work}/modules.txt"
done
# A filter file may hold several filters, each documented in <name>.yml beside it.
for f in "${ROOT}"/plugins/filter/*.yml "${ROOT}"/plugins/filter/*.yaml; do
    [[ -e "${f}" ]] || continue
    name=$(basename "${f}"); name="${name%.*}"
    check_listed filter "${name}" "${work}/filters.txt"
done
for d in "${ROOT}"/roles/*/; do
    name=$(basename "${d}")
    [[ "${name}" == _* || ! -e "${d}/meta/argument_specs.yml" ]] && continue
    check_listed role "${name}" "${work}/roles.txt"
done

# 5. the playbooks users run by FQCN after a Galaxy install parse, roles and all
cat >"${work}/inventory.yml" <<'INV'
all:
  children:
    ai_stack:
      hosts:
        host1: {}
      children:
        ai_stack_gpu: {hosts: {host1: {}}}
        ai_stack_edge: {hosts: {host1: {}}}
        ai_stack_storage: {hosts: {host1: {}}}
        ai_stack_monitored: {hosts: {host1: {}}}
INV
for pb in site validate verify; do
    if "${BIN}ansible-playbook" -i "${work}/inventory.yml" "homelab.ai_stack.${pb}" --syntax-check >"${work}/syntax.txt" 2>&1; then
        pass "ansible-playbook homelab.ai_stack.${pb} --syntax-check"
    else
        fail "ansible-playbook homelab.ai_stack.${pb} --syntax-check:"
        tail -n 15 "${work}/syntax.txt" | sed 's/^/    /'
    fi
done

if ((failures)); then
    echo "test_build: ${failures} failure(s)"
    exit 1
fi
echo "test_build: all checks passed"
