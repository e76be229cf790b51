#!/usr/bin/env bash
# The whole test suite, phase by phase. Every phase runs even when an earlier
# one failed, so one run shows everything that is wrong; the exit code is
# non-zero when any phase failed. The last line is the count:
#   suite: N passed, N failed
#
#   tests/run_all.sh                 everything
#   tests/run_all.sh lint|workflows|unit|contract|sanity|docs|build|molecule [scenario ...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 MOLECULE_NO_LOG=false

bash tests/collection_link.sh

logdir=${TEST_LOG_DIR:-$PWD/tests/output/logs}
mkdir -p "$logdir"
start_all=$SECONDS

# Scenarios in the order CI runs them: the longest first, so two at a time
# (MOLECULE_JOBS) end close together.
molecule_order=(stack ai networking backup acme stack_two_hosts services tailscale zabbix_agent upgrade docker zfs_snapshots common nvidia platforms)

resultdir=$(mktemp -d)
trap 'rm -rf "$resultdir"' EXIT

# run_phase NAME TIMEOUT_SECONDS COMMAND...: runs one phase, logs to
# $logdir/NAME.log and records "PASS|FAIL seconds name" in $resultdir.
run_phase() {
  local name=$1 limit=$2; shift 2
  local log="$logdir/$name.log" t0=$SECONDS rc
  timeout --kill-after=30 "$limit" "$@" >"$log" 2>&1
  rc=$?
  local dt=$((SECONDS - t0)) out
  out="$resultdir/$(date +%s%N)-$name"  # sorts in the order phases ended
  if [ $rc -eq 0 ]; then
    echo "PASS  ${dt}s  $name" >"$out"
    printf '=== %-28s PASS  %4ss\n' "$name" "$dt"
  else
    echo "FAIL  ${dt}s  $name (rc=$rc, log: ${log#"$PWD"/})" >"$out"
    printf '=== %-28s FAIL  %4ss  (rc=%s)\n' "$name" "$dt" "$rc"
    echo "----- last 60 lines of $log"
    tail -n 60 "$log" | sed 's/^/  | /'
    echo "-----"
  fi
}

phase_lint() {
  run_phase yamllint 300 yamllint --strict .
  run_phase ruff 120 bash -c 'ruff check . && ruff format --check .'
  run_phase ansible-lint 900 ansible-lint --offline --profile production
  run_phase inventories 300 bash tests/check_inventories.sh
}

phase_unit() {
  run_phase pytest 900 python -m pytest -q -p no:cacheprovider tests/unit
}

# The real Open WebUI (PyPI, the pinned image's version, cached venv outside
# the checkout) and its stand-in answer the role's exchanges alike.
phase_contract() {
  run_phase contract 2400 python -m pytest -q -p no:cacheprovider tests/contract
}

phase_sanity() {
  run_phase ansible-test 1500 bash tests/ansible-test.sh
}

phase_workflows() {
  run_phase actionlint 600 bash tests/sanity/actionlint.sh
}

phase_docs() {
  run_phase docs-current 300 python tools/gen_docs.py --check
}

phase_build() {
  run_phase galaxy-build-install 300 bash tests/sanity/test_build.sh
  run_phase galaxy-importer 900 bash tests/sanity/galaxy_importer.sh
}

phase_molecule() {
  local scenarios=("$@") s
  if [ ${#scenarios[@]} -eq 0 ]; then
    for s in "${molecule_order[@]}"; do
      [ -f "molecule/$s/molecule.yml" ] && scenarios+=("$s")
    done
    # Any scenario not in the list above runs too, after it.
    for f in molecule/*/molecule.yml; do
      s=$(basename "$(dirname "$f")")
      [[ " ${scenarios[*]} " == *" $s "* ]] || scenarios+=("$s")
    done
    # A scenario with a `hosted-only` file needs images from public registries
    # (.github/workflows/molecule.yml runs it); here only with AI_STACK_TEST_HOSTED=1.
    if [ "${AI_STACK_TEST_HOSTED:-0}" != 1 ]; then
      local kept=()
      for s in "${scenarios[@]}"; do
        if [ -e "molecule/$s/hosted-only" ]; then
          echo "=== molecule-$s: hosted CI only (molecule/$s/hosted-only), not run here"
        else
          kept+=("$s")
        fi
      done
      scenarios=("${kept[@]}")
    fi
  fi
  # MOLECULE_JOBS scenarios at a time (default 2): they share no names,
  # ports or networks, and much of their time is spent waiting on apt,
  # systemd and health checks rather than on the CPU.
  local jobs=${MOLECULE_JOBS:-2}
  for s in "${scenarios[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_phase "molecule-$s" 1800 molecule test -s "$s" &
    sleep 5
  done
  wait
}

what=${1:-all}
[ $# -gt 0 ] && shift
case "$what" in
  all)
    phase_lint; phase_workflows; phase_unit; phase_contract; phase_sanity; phase_docs; phase_build; phase_molecule ;;
  lint) phase_lint ;;
  unit) phase_unit ;;
  contract) phase_contract ;;
  sanity) phase_sanity ;;
  docs) phase_docs ;;
  workflows) phase_workflows ;;
  build) phase_build ;;
  molecule) phase_molecule "$@" ;;
  *) echo "usage: $0 [all|lint|workflows|unit|contract|sanity|docs|build|molecule [scenario...]]" >&2; exit 2 ;;
esac

passed=$(grep -l '^PASS' "$resultdir"/* 2>/dev/null | wc -l)
failed=$(grep -l '^FAIL' "$resultdir"/* 2>/dev/null | wc -l)
echo
echo "Summary ($((SECONDS - start_all))s in all):"
for f in "$resultdir"/*; do [ -e "$f" ] && sed 's/^/  /' "$f"; done
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
