# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schema check of the Zabbix template export (format 6.0, which Zabbix 6.0 to 7.x import).

Zabbix validates an import all at once and names only the first problem; these checks catch
the usual breakages before a user gets there: missing required fields, malformed or duplicate
UUIDs, triggers and graphs pointing at keys that do not exist, undefined user macros,
prototypes without LLD macros, and agent keys the role does not configure.
"""

from __future__ import annotations

import re
import shlex

import jinja2
import pytest
import yaml

UUID_RE = re.compile(r"^[0-9a-f]{32}$")
ITEM_TYPES = {
    "ZABBIX_PASSIVE",
    "ZABBIX_ACTIVE",
    "TRAP",
    "SIMPLE",
    "INTERNAL",
    "EXTERNAL",
    "ODBC",
    "IPMI",
    "SSH",
    "TELNET",
    "CALCULATED",
    "JMX",
    "SNMP_TRAP",
    "DEPENDENT",
    "HTTP_AGENT",
    "SNMP_AGENT",
    "ITEM_TYPE_SCRIPT",
}
VALUE_TYPES = {"FLOAT", "CHAR", "LOG", "UNSIGNED", "TEXT"}
PRIORITIES = {"NOT_CLASSIFIED", "INFO", "WARNING", "AVERAGE", "HIGH", "DISASTER"}
PREPROCESSING = {
    "MULTIPLIER",
    "RTRIM",
    "LTRIM",
    "TRIM",
    "REGEX",
    "BOOL_TO_DECIMAL",
    "OCTAL_TO_DECIMAL",
    "HEX_TO_DECIMAL",
    "SIMPLE_CHANGE",
    "CHANGE_PER_SECOND",
    "XMLPATH",
    "JSONPATH",
    "IN_RANGE",
    "MATCHES_REGEX",
    "NOT_MATCHES_REGEX",
    "CHECK_JSON_ERROR",
    "CHECK_XML_ERROR",
    "CHECK_REGEX_ERROR",
    "DISCARD_UNCHANGED",
    "DISCARD_UNCHANGED_HEARTBEAT",
    "JAVASCRIPT",
    "PROMETHEUS_PATTERN",
    "PROMETHEUS_TO_JSON",
    "CSV_TO_JSON",
    "STR_REPLACE",
    "CHECK_NOT_SUPPORTED",
}
# function(/host/key[...] , ...): the key runs to the first ',' or ')' outside brackets and quotes.
REF_RE = re.compile(r"\b[a-z_]+\(/(?P<host>[^/]+)/")
MACRO_RE = re.compile(r"\{\$[A-Z0-9_.]+\}")
LLD_RE = re.compile(r"\{#[A-Z0-9_.]+\}")


def refs(expression):
    """(host, key) pairs referenced by a trigger expression."""
    out = []
    for match in REF_RE.finditer(expression):
        depth, quoted, index = 0, False, match.end()
        while index < len(expression):
            char = expression[index]
            if char == '"':
                quoted = not quoted
            elif not quoted and char == "[":
                depth += 1
            elif not quoted and char == "]":
                depth -= 1
            elif not quoted and depth == 0 and char in ",)":
                break
            index += 1
        out.append((match.group("host"), expression[match.end() : index]))
    return out


@pytest.fixture(scope="module")
def export(role_dir):
    return yaml.safe_load((role_dir / "files" / "ai_stack_zabbix_template.yaml").read_text())["zabbix_export"]


@pytest.fixture(scope="module")
def template(export):
    (tpl,) = export["templates"]
    return tpl


def walk_uuids(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uuid":
                found.append(value)
            else:
                walk_uuids(value, found)
    elif isinstance(node, list):
        for value in node:
            walk_uuids(value, found)
    return found


def all_items(template):
    """(item, rule or None) for every item and item prototype."""
    for item in template.get("items", []):
        yield item, None
    for rule in template.get("discovery_rules", []):
        for item in rule.get("item_prototypes", []):
            yield item, rule


def test_header(export):
    assert export["version"] == "6.0"
    assert [g["name"] for g in export["groups"]] == ["Templates/Applications"]
    for tpl in export["templates"]:
        assert {g["name"] for g in tpl["groups"]} <= {g["name"] for g in export["groups"]}
        assert tpl["template"] and tpl["name"]


def test_uuids_are_zabbix_format_and_unique(export):
    uuids = walk_uuids(export, [])
    assert len(uuids) > 30
    assert [u for u in uuids if not isinstance(u, str) or not UUID_RE.match(u)] == []
    assert len(uuids) == len(set(uuids))


def test_items_have_required_fields(template):
    keys = []
    for item, rule in all_items(template):
        where = f"{item.get('key')} ({'prototype of ' + rule['key'] if rule else 'item'})"
        assert {"uuid", "name", "key"} <= set(item), where
        assert item.get("type", "ZABBIX_PASSIVE") in ITEM_TYPES, where
        assert item.get("value_type", "UNSIGNED") in VALUE_TYPES, where
        for step in item.get("preprocessing", []):
            assert step["type"] in PREPROCESSING, where
            assert all(isinstance(p, str) for p in step["parameters"]), where
        if item.get("type") == "DEPENDENT":
            assert item["delay"] == "0", where
            assert "master_item" in item, where
        if item.get("type") == "HTTP_AGENT":
            assert item["url"], where
        if rule is not None:
            assert LLD_RE.search(item["key"]), f"prototype without LLD macro: {where}"
        keys.append(item["key"])
    assert len(keys) == len(set(keys)), "duplicate item keys"


def test_dependent_items_have_their_master(template):
    plain = {item["key"] for item in template["items"]}
    for item, rule in all_items(template):
        if item.get("type") != "DEPENDENT":
            continue
        visible = plain | ({p["key"] for p in rule["item_prototypes"]} if rule else set())
        assert item["master_item"]["key"] in visible, item["key"]


def test_triggers_reference_existing_keys(template):
    name = template["template"]
    plain = {item["key"] for item in template["items"]}
    count = 0
    for item, rule in all_items(template):
        protos = {p["key"] for p in rule["item_prototypes"]} if rule else set()
        for trigger in item.get("triggers", []) + item.get("trigger_prototypes", []):
            count += 1
            assert {"uuid", "name", "expression", "priority"} <= set(trigger)
            assert trigger["priority"] in PRIORITIES
            for expression in (trigger["expression"], trigger.get("recovery_expression", "")):
                found = refs(expression)
                assert found or not expression, trigger["name"]
                for host, key in found:
                    assert host == name, trigger["name"]
                    assert key in plain | protos, f"{trigger['name']}: unknown key {key}"
            if "trigger_prototypes" in item:
                assert any(key in protos for _h, key in refs(trigger["expression"])), trigger["name"]
                assert rule is not None
    assert count >= 8


def test_graphs_reference_existing_keys(export, template):
    plain = {item["key"] for item in template["items"]}
    graphs = [(g, plain) for g in export.get("graphs", [])]
    for rule in template["discovery_rules"]:
        protos = plain | {p["key"] for p in rule["item_prototypes"]}
        graphs += [(g, protos) for g in rule.get("graph_prototypes", [])]
    assert len(graphs) >= 5
    for graph, keys in graphs:
        assert UUID_RE.match(graph["uuid"])
        for gi in graph["graph_items"]:
            assert gi["item"]["host"] == template["template"]
            assert gi["item"]["key"] in keys, f"{graph['name']}: {gi['item']['key']}"


def test_user_macros_are_defined(export, template):
    defined = {m["macro"] for m in template["macros"]}
    used = set(MACRO_RE.findall(yaml.safe_dump(export)))
    assert used <= defined, used - defined
    assert defined <= used, f"unused macros: {defined - used}"


def test_required_alerts_exist(template):
    names = [
        t["name"]
        for item, _rule in all_items(template)
        for t in item.get("triggers", []) + item.get("trigger_prototypes", [])
    ]
    for pattern in (
        r"VRAM above",
        r"temperature above",
        r"throttl",
        r"Container .*down",
        r"Open WebUI",
        r"NFS .*not responding",
    ):
        assert any(re.search(pattern, n) for n in names), pattern
    macros = {m["macro"]: m["value"] for m in template["macros"]}
    assert macros["{$AI_STACK.GPU.VRAM.PUSED.MAX}"] == "90"
    assert macros["{$AI_STACK.GPU.TEMP.MAX}"] == "80"


def served_keys(role_dir, nvidia_smi_path=""):
    """The UserParameter keys of the configuration the role writes (templates/ai_stack.conf.j2, rendered)."""
    env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters.update(bool=bool, quote=shlex.quote)
    text = env.from_string((role_dir / "templates" / "ai_stack.conf.j2").read_text()).render(
        ansible_managed="Ansible managed",
        zabbix_agent_stack_checks=True,
        zabbix_agent_nvidia_smi_path=nvidia_smi_path,
        _zabbix_agent_script="/usr/local/libexec/ai-stack/ai_stack_zabbix.py",
        zabbix_agent_user_parameters=[],
    )
    return dict(
        line[len("UserParameter=") :].split(",", 1) for line in text.splitlines() if line.startswith("UserParameter=")
    )


def test_the_stack_keys_run_the_collector(role_dir):
    keys = served_keys(role_dir, "/opt/nvidia smi")
    collector = "/usr/bin/python3 /usr/local/libexec/ai-stack/ai_stack_zabbix.py"
    assert keys["ai_stack.gpu.discovery"] == f"AI_STACK_NVIDIA_SMI='/opt/nvidia smi' {collector} gpu.discovery"
    assert keys["ai_stack.memory.pressure[*]"].endswith('ai_stack_zabbix.py memory.pressure "$1" "$2"')
    assert (
        served_keys(role_dir)["ai_stack.nfs.get"]
        == "/usr/bin/python3 /usr/local/libexec/ai-stack/ai_stack_zabbix.py nfs.get"
    )


def test_agent_keys_are_served_by_the_role(collector, role_dir, template):
    served = {key.split("[")[0] for key in served_keys(role_dir)}
    assert len(served) == 6
    agent_keys = {
        item["key"].split("[")[0]
        for item, _rule in all_items(template)
        if item.get("type", "ZABBIX_PASSIVE") in ("ZABBIX_PASSIVE", "ZABBIX_ACTIVE")
        and item["key"].startswith("ai_stack.")
    } | {rule["key"].split("[")[0] for rule in template["discovery_rules"] if rule["key"].startswith("ai_stack.")}
    assert agent_keys <= served, agent_keys - served


def test_lld_macros_match_the_collectors_discovery(collector, template):
    provided = {
        "ai_stack.gpu.discovery": set(collector.gpu_discovery([{"index": 0, "uuid": "u", "name": "n"}])[0]),
        "ai_stack.nfs.discovery": {"{#NFS.MOUNT}", "{#NFS.SOURCE}"},
        "docker.containers.discovery[true]": {"{#ID}", "{#NAME}"},
    }
    for rule in template["discovery_rules"]:
        used = set(
            LLD_RE.findall(yaml.safe_dump(rule["item_prototypes"]) + yaml.safe_dump(rule.get("graph_prototypes", [])))
        )
        assert used <= provided[rule["key"]], (rule["key"], used - provided[rule["key"]])


def test_gpu_jsonpaths_name_real_collector_fields(collector, fixtures_dir, template):
    (gpu,) = collector.parse_nvidia_smi_xml((fixtures_dir / "telegraf_rtx-3090-v12.xml").read_text())
    (rule,) = [r for r in template["discovery_rules"] if r["key"] == "ai_stack.gpu.discovery"]
    for item in rule["item_prototypes"]:
        path = item["preprocessing"][0]["parameters"][0]
        field = re.match(r"^\$\[\?\(@\.index == \{#GPU\.INDEX\}\)\]\.(\w+)\.first\(\)$", path).group(1)
        assert field in gpu, item["key"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("last(/T/a.b)=0", [("T", "a.b")]),
        ('last(/T/x["{#NAME}",full])=0', [("T", 'x["{#NAME}",full]')]),
        ("min(/T/k[a,b],5m)>1 or nodata(/T/k2,5m)=1", [("T", "k[a,b]"), ("T", "k2")]),
    ],
)
def test_ref_parser(expression, expected):
    assert refs(expression) == expected
