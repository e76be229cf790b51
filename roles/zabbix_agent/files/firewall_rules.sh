# shellcheck shell=bash
# The zabbix_agent role's firewalld rules of the agent's port (run by tasks/firewalld.yml as
# `bash -c "<this file>" firewall_rules.sh ARGS`: one command module run, no copy to the host).
#   firewall_rules.sh read PORT ZONES [NAME...]
#     prints resolved=<name>=<addresses>, then, when firewalld runs, @@permanent and @@runtime,
#     each followed by `firewall-cmd [--permanent] --list-all-zones` (two firewall-cmd runs
#     however many zones; plugins/module_utils/_zabbix.py firewall_plan reads the rules)
#   firewall_rules.sh write PORT ZONES [RULE...]
#     makes the rich rules on PORT of each zone, permanent and runtime, exactly RULE...
set -euo pipefail
action=$1 port=$2
IFS=, read -ra zones <<< "$3"
shift 3

port_rules() { # ZONE [--permanent]
  firewall-cmd "${@:2}" --zone="$1" --list-rich-rules | grep -F "port=\"$port\"" || true
}

if [ "$action" = read ]; then
  for name in "$@"; do
    echo "resolved=$name=$(getent ahosts "$name" | awk '{print $1}' | sort -u | tr '\n' ' ')"
  done
  if systemctl is-active --quiet firewalld.service && command -v firewall-cmd >/dev/null; then
    echo "@@permanent"
    firewall-cmd --permanent --list-all-zones
    echo "@@runtime"
    firewall-cmd --list-all-zones
  fi
  exit 0
fi

wanted=$(printf '%s\n' "$@")
for z in "${zones[@]}"; do
  for config in permanent runtime; do
    opt=()
    if [ "$config" = permanent ]; then opt=(--permanent); fi
    while IFS= read -r rule; do
      if [ -n "$rule" ] && ! grep -qxF -- "$rule" <<< "$wanted"; then
        firewall-cmd "${opt[@]}" --zone="$z" --remove-rich-rule="$rule" >/dev/null
      fi
    done < <(port_rules "$z" "${opt[@]}")
    for rule in "$@"; do
      firewall-cmd "${opt[@]}" --zone="$z" --query-rich-rule="$rule" >/dev/null ||
        firewall-cmd "${opt[@]}" --zone="$z" --add-rich-rule="$rule" >/dev/null
    done
  done
done
