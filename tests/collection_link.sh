#!/usr/bin/env bash
# Lays out .collections/ansible_collections/homelab/ai_stack -> the checkout, so ansible.cfg,
# Molecule (.config/molecule/config.yml), pytest (pyproject.toml pythonpath) and the demo resolve
# homelab.ai_stack.* from the checkout without installing it. .collections/ is git-ignored:
# ansible-test sanity refuses a committed symlink to a directory. Idempotent; make setup,
# tests/run_all.sh and tests/demo.sh call it; run it by hand after a fresh clone before a bare
# `molecule` or `ansible-playbook`.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
link="${root}/.collections/ansible_collections/homelab/ai_stack"
if [[ "$(readlink "${link}" 2>/dev/null || true)" != "../../.." ]]; then
    mkdir -p "$(dirname "${link}")"
    rm -f "${link}"
    ln -s ../../.. "${link}"
fi
