# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ipaddress
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.homelab.ai_stack.plugins.module_utils import _zone_plan as zp

STACK_PORTS = [80, 443, "53/tcp", "53/udp"]
VARS = {
    "sources": "ai_stack_allowed_sources",
    "docker_subnet": "ai_stack_docker_subnet",
    "allow_public": "ai_stack_allow_public_sources",
    "ports": "networking_ports",
    "name": "networking_zone",
    "interfaces": "ai_stack_tailscale_interface",
}


def plan(**kwargs):
    kwargs.setdefault("var_names", VARS)
    return zp.build_zone_plan(**kwargs)


# --- ports -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ([443], ["443/tcp"]),
        (["443"], ["443/tcp"]),
        (["53/udp"], ["53/udp"]),
        (["53/UDP "], ["53/udp"]),
        (["8000-8010/tcp"], ["8000-8010/tcp"]),
        (["8010-8010/tcp"], ["8010/tcp"]),
        ([{"port": 53, "protocol": ["tcp", "udp"]}], ["53/tcp", "53/udp"]),
        ([{"port": "9000-9001", "protocol": "sctp"}], ["9000-9001/sctp"]),
        ([{"port": 8080}], ["8080/tcp"]),
        (STACK_PORTS, ["53/tcp", "53/udp", "80/tcp", "443/tcp"]),
        # duplicates and contained ranges collapse
        ([443, "443/tcp", 443], ["443/tcp"]),
        (["8000-8010/tcp", "8005/tcp"], ["8000-8010/tcp"]),
        (["8000-8010/tcp", "8005-8020/tcp"], ["8000-8020/tcp"]),
        # ranges sharing one port merge, as firewalld's coalescePortRange does
        (["8000-8010/tcp", "8010-8012/tcp"], ["8000-8012/tcp"]),
        # adjacent ranges do not merge: firewalld keeps them apart too
        (["80/tcp", "81/tcp"], ["80/tcp", "81/tcp"]),
        # the same range on two protocols stays two entries
        (["8000-8010/tcp", "8005-8020/udp"], ["8000-8010/tcp", "8005-8020/udp"]),
        ([65535, 1], ["1/tcp", "65535/tcp"]),
        ([], []),
        (None, []),
    ],
)
def test_normalize_ports(specs, expected):
    assert zp.normalize_ports(specs, "networking_ports") == expected


@pytest.mark.parametrize(
    ("specs", "fragment"),
    [
        ([0], "port 0 in 0 is outside 1-65535"),
        ([65536], "outside 1-65535"),
        (["80/icmp"], "protocol 'icmp'"),
        (["8010-8000/tcp"], "ends before it starts"),
        (["http"], "not a port spec"),
        (["80/tcp/udp"], "not a port spec"),
        ([True], "not a port spec"),
        ([1.5], "not a port spec"),
        ([{"protocol": "tcp"}], "must have a 'port' key"),
        ([{"port": 80, "proto": "tcp"}], "must have a 'port' key"),
        ([{"port": "53/udp", "protocol": "udp"}], "protocol twice"),
        ([{"port": 53, "protocol": []}], "non-empty list"),
        ("80/tcp", "must be a list"),
        (443, "must be a list"),
    ],
)
def test_normalize_ports_rejects(specs, fragment):
    with pytest.raises(zp.ZonePlanError, match=r"^networking_ports: ") as err:
        zp.normalize_ports(specs, "networking_ports")
    assert fragment in str(err.value)


# --- sources -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (["100.64.0.0/10"], ["100.64.0.0/10"]),
        (["100.101.102.103"], ["100.101.102.103"]),
        (["100.101.102.103/32"], ["100.101.102.103"]),
        # contained and adjacent networks merge
        (["100.64.0.0/10", "100.100.0.0/16"], ["100.64.0.0/10"]),
        (["10.1.0.0/24", "10.1.1.0/24"], ["10.1.0.0/23"]),
        (["192.168.1.0/24", "10.0.0.0/8", "192.168.1.7"], ["10.0.0.0/8", "192.168.1.0/24"]),
        (["fd7a:115c:a1e0::/48", "100.64.0.0/10"], ["100.64.0.0/10", "fd7a:115c:a1e0::/48"]),
        (["FD7A:115C:A1E0::1"], ["fd7a:115c:a1e0::1"]),
        ([" 10.0.0.0/8 "], ["10.0.0.0/8"]),
    ],
)
def test_sources_are_merged_and_sorted(sources, expected):
    assert plan(sources=sources)["sources"] == expected


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sources": ["0.0.0.0/0"]}, "ai_stack_allowed_sources: 0.0.0.0/0 admits the whole Internet"),
        ({"sources": ["::/0"]}, "ai_stack_allowed_sources: ::/0 admits the whole Internet"),
        ({"sources": ["::/0"]}, "(or set ai_stack_allow_public_sources to true)"),
        ({"sources": ["8.8.8.0/24"]}, "8.8.8.0/24 is a public range"),
        ({"sources": ["8.8.8.0/24"]}, "unless ai_stack_allow_public_sources is true"),
        ({"sources": ["2001:db8::/32"]}, "2001:db8::/32 is a public range"),
        # straddles private and public space
        ({"sources": ["96.0.0.0/3"]}, "is a public range"),
        ({"sources": ["100.64.0.1/10"]}, "has host bits set; did you mean '100.64.0.0/10'?"),
        ({"sources": ["100.64.0.0/33"]}, "'100.64.0.0/33' is not a valid IP address or CIDR"),
        ({"sources": ["tailnet"]}, "'tailnet' is not a valid IP address or CIDR"),
        ({"sources": [""]}, "empty string"),
        ({"sources": "100.64.0.0/10"}, "must be a list"),
        ({"sources": [None]}, "None is not an IP address"),
        ({"docker_subnet": "100.64.5.0/24"}, "ai_stack_docker_subnet: 100.64.5.0/24 must be a private IPv4"),
        ({"docker_subnet": "8.8.8.0/24"}, "ai_stack_docker_subnet: 8.8.8.0/24 must be a private IPv4"),
        ({"docker_subnet": "fd00::/64"}, "ai_stack_docker_subnet: fd00::/64 must be a private IPv4"),
        ({"docker_subnet": "172.30.0.0/30"}, "too small for a Docker network"),
        ({"docker_subnet": "172.30.0.1/24"}, "ai_stack_docker_subnet: '172.30.0.1/24' has host bits set"),
        (
            {"sources": ["100.64.0.0/10", "172.16.0.0/12"], "docker_subnet": "172.30.0.0/24"},
            "ai_stack_docker_subnet: 172.30.0.0/24 overlaps 172.16.0.0/12 from ai_stack_allowed_sources",
        ),
        (
            {"docker_subnet": "10.0.0.0/8", "tailscale_ranges": ["10.64.0.0/10"]},
            "10.0.0.0/8 overlaps 10.64.0.0/10 (Tailscale's range)",
        ),
        (
            {"docker_subnet": "172.30.0.0/24", "reserved": {"the daemon's default-address-pools": ["172.16.0.0/12"]}},
            "172.30.0.0/24 overlaps 172.16.0.0/12 (the daemon's default-address-pools)",
        ),
        ({"docker_subnet": "172.30.0.0/24", "reserved": {"routes": ["bogus"]}}, "cannot compare with 'bogus'"),
        ({"name": "a-zone-name-far-too-long"}, "networking_zone: 'a-zone-name-far-too-long' is not a valid"),
        ({"name": "bad zone"}, "networking_zone: 'bad zone'"),
        ({"interfaces": ["tailscale0/1"]}, "ai_stack_tailscale_interface: 'tailscale0/1' is not a valid"),
        ({"interfaces": ["an-interface-name-too-long"]}, "at most 15 characters"),
        ({"services": ["ssh http"]}, "services: 'ssh http' is not a valid firewalld service name"),
        ({"allow_public": "yes"}, "ai_stack_allow_public_sources: must be true or false"),
    ],
)
def test_plan_rejects(kwargs, fragment):
    kwargs.setdefault("sources", ["100.64.0.0/10"])
    with pytest.raises(zp.ZonePlanError) as err:
        plan(**kwargs)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (["8.8.8.0/24", "100.64.0.0/10"], ["8.8.8.0/24", "100.64.0.0/10"]),
        (["0.0.0.0/0", "100.64.0.0/10", "::/0"], ["0.0.0.0/0", "::/0"]),
    ],
)
def test_public_sources_accepted_when_allowed(sources, expected):
    assert plan(sources=sources, allow_public=True)["sources"] == expected


def test_stack_defaults_give_the_documented_zone():
    result = plan(
        ports=STACK_PORTS,
        sources=["100.64.0.0/10"],
        docker_subnet="172.30.0.0/24",
        interfaces=["tailscale0"],
    )
    assert result == {
        "name": "self-hosted",
        "sources": ["100.64.0.0/10", "172.30.0.0/24"],
        "ports": ["53/tcp", "53/udp", "80/tcp", "443/tcp"],
        "interfaces": ["tailscale0"],
        "services": [],
    }


def test_docker_subnet_adjacent_to_a_source_is_merged():
    result = plan(sources=["172.30.1.0/24"], docker_subnet="172.30.0.0/24")
    assert result["sources"] == ["172.30.0.0/23"]


def test_error_names_default_variables_without_var_names():
    with pytest.raises(zp.ZonePlanError, match=r"^sources: "):
        zp.build_zone_plan(sources=["1.1.1.1"])


# --- reconciliation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "desired", "purge", "expected"),
    [
        (
            {"sources": ["100.64.0.0/10", "192.168.1.0/24"], "ports": ["80/tcp"]},
            {"sources": ["100.64.0.0/10"], "ports": ["80/tcp", "443/tcp"]},
            True,
            {"add": {"ports": ["443/tcp"]}, "remove": {"sources": ["192.168.1.0/24"]}},
        ),
        (
            {"sources": ["100.64.0.0/10", "192.168.1.0/24"]},
            {"sources": ["100.64.0.0/10"]},
            False,
            {"add": {}, "remove": {}},
        ),
        # firewalld's own spelling of an equal item is no change ...
        (
            {"sources": ["100.101.102.103/32", "FD7A:115C:A1E0::/48"], "ports": ["8000-8000/tcp"]},
            {"sources": ["100.101.102.103", "fd7a:115c:a1e0::/48"], "ports": ["8000/tcp"]},
            True,
            {"add": {}, "remove": {}},
        ),
        # ... and a removal uses firewalld's spelling
        (
            {"sources": ["10.0.0.7/32"]},
            {"sources": []},
            True,
            {"add": {}, "remove": {"sources": ["10.0.0.7/32"]}},
        ),
        # unmanaged attributes are left alone
        (
            {"services": ["ssh", "dhcpv6-client"], "interfaces": ["eth0"]},
            {"services": ["ssh"], "interfaces": None},
            True,
            {"add": {}, "remove": {"services": ["dhcpv6-client"]}},
        ),
        # MAC and ipset sources are compared verbatim
        (
            {"sources": ["ipset:blocked", "00:11:22:33:44:55"]},
            {"sources": ["ipset:blocked"]},
            True,
            {"add": {}, "remove": {"sources": ["00:11:22:33:44:55"]}},
        ),
        (
            {},
            {"interfaces": ["tailscale0"], "services": []},
            True,
            {"add": {"interfaces": ["tailscale0"]}, "remove": {}},
        ),
    ],
)
def test_zone_changes(current, desired, purge, expected):
    assert zp.zone_changes(current, desired, purge) == expected


def test_apply_changes_predicts_the_zone():
    current = {"sources": ["100.64.0.0/10", "192.168.1.0/24"], "ports": ["80/tcp"], "services": ["ssh"]}
    changes = zp.zone_changes(current, {"sources": ["100.64.0.0/10"], "ports": ["443/tcp", "80/tcp"]})
    assert zp.apply_changes(current, changes) == {
        "sources": ["100.64.0.0/10"],
        "ports": ["443/tcp", "80/tcp"],
        "services": ["ssh"],
        "interfaces": [],
    }


# --- properties --------------------------------------------------------------

private_v4 = st.builds(
    lambda base, host, prefix: (
        ipaddress.ip_network(
            f"{ipaddress.ip_address(int(ipaddress.ip_address(base)) + host)}/{prefix}", strict=False
        ).with_prefixlen
    ),
    st.sampled_from(["10.0.0.0", "192.168.0.0", "100.64.0.0"]),
    st.integers(min_value=0, max_value=65535),
    st.integers(min_value=16, max_value=32),
)
port_specs = st.one_of(
    st.integers(min_value=1, max_value=65535),
    st.builds(
        lambda a, n, p: f"{a}-{min(a + n, 65535)}/{p}",
        st.integers(min_value=1, max_value=65535),
        st.integers(min_value=0, max_value=200),
        st.sampled_from(zp.PROTOCOLS),
    ),
    st.builds(lambda a, p: f"{a}/{p}", st.integers(min_value=1, max_value=65535), st.sampled_from(zp.PROTOCOLS)),
)


@settings(max_examples=200, deadline=None)
@given(sources=st.lists(private_v4, max_size=8), ports=st.lists(port_specs, max_size=10), data=st.data())
def test_plan_is_order_independent(sources, ports, data):
    shuffled_sources = data.draw(st.permutations(sources))
    shuffled_ports = data.draw(st.permutations(ports))
    assert plan(sources=sources, ports=ports) == plan(sources=shuffled_sources, ports=shuffled_ports)


@settings(max_examples=200, deadline=None)
@given(sources=st.lists(private_v4, max_size=8), ports=st.lists(port_specs, max_size=10))
def test_plan_is_idempotent(sources, ports):
    first = plan(sources=sources, ports=ports)
    again = plan(sources=first["sources"], ports=first["ports"])
    assert again == first


@settings(max_examples=200, deadline=None)
@given(sources=st.lists(private_v4, min_size=1, max_size=8), ports=st.lists(port_specs, max_size=10))
def test_plan_covers_exactly_the_input(sources, ports):
    result = plan(sources=sources, ports=ports)
    merged = [ipaddress.ip_network(s) for s in result["sources"]]
    # every input is inside the plan, the plan's networks are disjoint, and
    # the plan covers no address that no input covered
    for source in sources:
        assert any(ipaddress.ip_network(source).subnet_of(m) for m in merged)
    covered = ipaddress.collapse_addresses(ipaddress.ip_network(s) for s in sources)
    assert sum(m.num_addresses for m in merged) == sum(n.num_addresses for n in covered)
    for i, a in enumerate(merged):
        for b in merged[i + 1 :]:
            assert not a.overlaps(b)
    # ports: no two entries of one protocol overlap, and each input port is covered
    ranges = [zp.parse_port(p, "p")[0] for p in result["ports"]]
    for i, (s1, e1, p1) in enumerate(ranges):
        for s2, e2, p2 in ranges[i + 1 :]:
            assert p1 != p2 or e1 < s2 or e2 < s1
    for spec in ports:
        for start, end, proto in zp.parse_port(spec, "p"):
            assert any(p == proto and s <= start and end <= e for s, e, p in ranges)


@settings(max_examples=100, deadline=None)
@given(sources=st.lists(private_v4, max_size=6), ports=st.lists(port_specs, max_size=8))
def test_changes_reach_the_plan_in_one_step(sources, ports):
    desired = plan(sources=sources, ports=ports)
    current = {"sources": ["192.168.255.0/24"], "ports": ["1/udp"]}
    after = zp.apply_changes(current, zp.zone_changes(current, desired))
    assert zp.zone_changes(after, desired) == {"add": {}, "remove": {}}


FIREWALLD = pathlib.Path(__file__).resolve().parents[1] / "modules" / "fixtures" / "firewalld"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("info-zone-public.debian13.txt", {"services": ["ssh"]}),
        ("info-zone-public-rich-rules.debian13.txt", {"services": ["ssh"]}),
        (
            "info-zone-self-hosted.permanent.debian13.txt",
            {
                "sources": ["100.64.0.0/10", "172.30.0.0/24"],
                "ports": ["443/tcp", "53/tcp", "53/udp", "80/tcp"],
                "interfaces": ["tailscale0"],
            },
        ),
        ("info-zone-docker.debian13.txt", {"interfaces": ["br-self-hosted", "docker0"], "target": "ACCEPT"}),
    ],
)
def test_parse_zone_info_of_recorded_outputs(fixture, expected):
    want = {"sources": [], "ports": [], "services": [], "interfaces": [], "target": "default", **expected}
    assert zp.parse_zone_info((FIREWALLD / fixture).read_text(encoding="utf-8")) == want


def test_parse_zone_info_without_output_is_an_empty_default_zone():
    assert zp.parse_zone_info("") == {"sources": [], "ports": [], "services": [], "interfaces": [], "target": "default"}


@pytest.mark.parametrize(
    "fixture",
    [
        "list-all-zones.permanent.debian13.txt",
        "list-all-zones.runtime.debian13.txt",
        "list-all-zones.permanent.debian12.txt",
        "list-all-zones.runtime.debian12.txt",
    ],
)
def test_parse_zones_info_of_recorded_outputs(fixture):
    zones = zp.parse_zones_info((FIREWALLD / fixture).read_text(encoding="utf-8"))
    # Zone headers carry "(active)" or "(default, active)" in some layers and releases.
    assert sorted(zones) == [
        "block",
        "dmz",
        "docker",
        "drop",
        "external",
        "home",
        "internal",
        "public",
        "self-hosted",
        "trusted",
        "work",
    ]
    assert zones["self-hosted"] == {
        "sources": ["100.64.0.0/10", "172.30.0.0/24", "192.168.50.0/24"],
        "ports": ["443/tcp", "53/tcp", "53/udp", "80/tcp"],
        "services": [],
        "interfaces": ["tailscale0"],
        "target": "default",
    }
    assert zones["public"]["services"] == ["ssh"]
    assert zones["docker"] == {
        "sources": [],
        "ports": [],
        "services": [],
        "interfaces": ["br-self-hosted", "docker0"],
        "target": "ACCEPT",
    }
    assert zones["block"]["target"] == "%%REJECT%%"


def test_parse_zones_info_keeps_each_zones_lines_apart():
    text = (FIREWALLD / "info-zone-public-rich-rules.debian13.txt").read_text(encoding="utf-8")
    text += "\n" + (FIREWALLD / "info-zone-docker.debian13.txt").read_text(encoding="utf-8")
    zones = zp.parse_zones_info(text)
    assert zones["public"]["services"] == ["ssh"]
    assert zones["public"]["interfaces"] == []
    assert zones["docker"]["interfaces"] == ["br-self-hosted", "docker0"]
    assert zp.parse_zones_info("") == {}


EMPTY_STATE = {"sources": [], "ports": [], "services": [], "interfaces": []}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"type":"a{sv}","data":[{"target":{"type":"s","data":"ACCEPT"},'
            '"ports":{"type":"a(ss)","data":[["8000-8010","tcp"],["53","udp"]]},'
            '"forward":{"type":"b","data":false},"sources":{"type":"as","data":["10.0.0.0/8"]}}]}',
            {
                "sources": ["10.0.0.0/8"],
                "ports": ["8000-8010/tcp", "53/udp"],
                "services": [],
                "interfaces": [],
                "target": "ACCEPT",
            },
        ),
        ('{"type":"a{sv}","data":[{}]}', dict(EMPTY_STATE, target="default")),
        ("", None),
        ("Call failed: Error.INVALID_ZONE: nozone", None),
        ('{"type":"s","data":["x"]}', None),
    ],
)
def test_dbus_zone_state(text, expected):
    assert zp.dbus_zone_state(text) == expected


def test_zones_in_place_compares_canonical_items():
    have = dict(EMPTY_STATE, sources=["10.0.0.1/32"], ports=["8000-8010/tcp"], target="default")
    spec = {"name": "z", "ports": ["8000-8010/tcp"], "sources": ["10.0.0.1"]}
    assert zp.zones_in_place([spec], {"z": have}, {"z": have})
    assert not zp.zones_in_place([dict(spec, ports=["8000-8009/tcp"])], {"z": have}, {"z": have})
    assert not zp.zones_in_place([spec], {"z": have}, {})
