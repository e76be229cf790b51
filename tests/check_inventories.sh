#!/usr/bin/env bash
# The inventories a user copies must load (the example vault opens with the
# documented example password) and site.yml must parse against each of them.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
pass=$(mktemp)
trap 'rm -f "$pass"' EXIT
echo "example-vault-password" >"$pass"
for inv in inventories/demo inventories/example/single inventories/example/two_hosts; do
  ansible-inventory -i "$inv" --vault-password-file "$pass" --list >/dev/null
  ansible-playbook -i "$inv" --vault-password-file "$pass" site.yml --syntax-check >/dev/null
  # Every host is in ai_stack and the example vault's secrets resolve.
  ansible -i "$inv" --vault-password-file "$pass" ai_stack -m ansible.builtin.debug \
    -a "msg={{ pihole_admin_password | length }}" -c local -e ansible_connection=local >/dev/null
  echo "ok: $inv"
done
