# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The internal CA of the nginx role: what is on disk after a run, what a re-run leaves alone, what makes it issue
again; and that its record is the one roles/nginx's read (_nginx.current) takes as current."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.homelab.ai_stack.plugins.module_utils import _nginx, _nginx_tls

NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.timezone.utc)
NAMES = ("chat.ai.test", "ollama.ai.test", "comfy.ai.test")
GID = 65534


def _params(root, **overrides):
    params = {
        "data_path": str(root),
        "names": list(NAMES),
        "domain": "ai.test",
        "ca_common_name": "homelab.ai_stack internal CA",
        "ca_valid_days": 3650,
        "ca_name_constraints": True,
        "cert_valid_days": 365,
        "renew_before_days": 30,
        "key_group": GID,
    }
    params.update(overrides)
    return params


@pytest.fixture
def root(tmp_path):
    for sub in ("ca", "certs"):
        (tmp_path / sub).mkdir()
    return tmp_path


def _cert(root, name="certs/server.crt"):
    return x509.load_pem_x509_certificate((root / name).read_bytes())


def _found(root):
    """The entries the role's directories run reports (find-like: path, uid, gid, mode, checksum)."""
    entries = []
    for name in (*_nginx.CERT_FILES, _nginx.CERT_RECORD):
        path = root / name
        st = path.stat()
        entries.append(
            {
                "path": str(path),
                "uid": st.st_uid,
                "gid": st.st_gid,
                "mode": f"{st.st_mode & 0o7777:04o}",
                "checksum": hashlib.sha1(path.read_bytes()).hexdigest(),
            }
        )
    return entries


def _current(root, names=NAMES, renew=30, now=NOW):
    settings = {
        "worker_gid": GID,
        "auth_user": "admin",
        "auth_salt": "s",
        "token_user": "api",
        "renew_before_days": renew,
    }
    record = (root / _nginx.CERT_RECORD).read_text()
    return _nginx.current(_found(root), str(root), list(names), record, settings, now=now)


def test_first_run_makes_a_constrained_ca_key_certificate_and_a_record_the_read_takes_as_current(root):
    result = _nginx_tls.ensure(_params(root), now=NOW)
    assert result["changed"] and result["reasons"] == ["no certificate"]
    assert result["done"][:2] == ["created the internal CA", "created the server key"]
    ca = _cert(root, "ca/ca.crt")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert constraints.value.permitted_subtrees == [x509.DNSName("ai.test")]
    assert x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")) in constraints.value.excluded_subtrees
    assert result["ca_name_constrained"] is True
    cert = _cert(root)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "chat.ai.test"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == list(NAMES)
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    assert result["not_after"] == "20271206120000Z"
    key = root / "certs/server.key"
    assert (key.stat().st_uid, key.stat().st_gid, key.stat().st_mode & 0o777) == (0, GID, 0o640)
    assert ((root / "ca/ca.key").stat().st_mode & 0o777) == 0o600
    record = json.loads((root / _nginx.CERT_RECORD).read_text())
    assert (
        record["names"] == sorted(NAMES) and record["not_after"] == "20271206120000Z" and record["ca_name_constrained"]
    )
    assert _current(root)["tls"] is True


def test_openssl_verifies_the_certificate_with_the_ca(root):
    _nginx_tls.ensure(_params(root), now=datetime.datetime.now(datetime.timezone.utc))
    out = subprocess.run(
        ["openssl", "verify", "-CAfile", str(root / "ca/ca.crt"), str(root / "certs/server.crt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_rerun_changes_nothing(root):
    _nginx_tls.ensure(_params(root), now=NOW)
    before = {name: (root / name).read_bytes() for name in (*_nginx.CERT_FILES, _nginx.CERT_RECORD)}
    result = _nginx_tls.ensure(_params(root), now=NOW + datetime.timedelta(days=100))
    assert result == {
        "changed": False,
        "done": [],
        "reasons": [],
        "not_after": "20271206120000Z",
        "ca_name_constrained": True,
    }
    assert before == {name: (root / name).read_bytes() for name in before}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: (r / "certs/server.crt").unlink(), "no certificate"),
        (lambda r: None, "the renewal window is reached"),
        (lambda r: (r / "certs/server.key").unlink(), "the server key changed"),
    ],
)
def test_what_makes_it_issue_again(root, change, reason):
    _nginx_tls.ensure(_params(root), now=NOW)
    old = (root / "certs/server.crt").read_bytes()
    change(root)
    later = NOW + datetime.timedelta(days=340 if reason.startswith("the renewal") else 1)
    result = _nginx_tls.ensure(_params(root), now=later)
    assert reason in result["reasons"]
    assert (root / "certs/server.crt").read_bytes() != old
    assert _current(root, now=later)["tls"] is True


def test_other_names_issue_again_and_keep_ca_and_key(root):
    _nginx_tls.ensure(_params(root), now=NOW)
    ca, key = (root / "ca/ca.crt").read_bytes(), (root / "certs/server.key").read_bytes()
    result = _nginx_tls.ensure(_params(root, names=["chat.ai.test"]), now=NOW)
    assert result["reasons"] == ["the names changed"]
    assert (root / "ca/ca.crt").read_bytes() == ca and (root / "certs/server.key").read_bytes() == key
    assert _current(root, names=["chat.ai.test"])["tls"] is True


def test_a_new_ca_issues_again(root):
    _nginx_tls.ensure(_params(root), now=NOW)
    (root / "ca/ca.crt").unlink()
    result = _nginx_tls.ensure(_params(root), now=NOW)
    assert result["done"][0] == "created the internal CA"
    assert result["reasons"] == ["the internal CA did not sign it"]


def test_a_key_of_another_type_is_replaced_and_a_loose_mode_corrected(root):
    _nginx_tls.ensure(_params(root), now=NOW)
    (root / "certs/server.key").write_bytes(_nginx_tls.key_pem(ec.generate_private_key(ec.SECP384R1())))
    assert "created the server key" in _nginx_tls.ensure(_params(root), now=NOW)["done"]
    os.chmod(root / "certs/server.key", 0o644)
    result = _nginx_tls.ensure(_params(root), now=NOW)
    assert result["done"] == ["set the owner, group and mode of the server key"]
    assert ((root / "certs/server.key").stat().st_mode & 0o777) == 0o640


def test_an_unconstrained_ca_is_kept_and_reported(root):
    _nginx_tls.ensure(_params(root, ca_name_constraints=False), now=NOW)
    result = _nginx_tls.ensure(_params(root), now=NOW)
    assert result["ca_name_constrained"] is False and not result["changed"]
    assert _current(root)["ca_unconstrained"] is True


def test_a_ca_file_that_is_not_a_certificate_is_kept_and_fails(root):
    (root / "ca/ca.crt").write_text("not a certificate\n")
    with pytest.raises(ValueError, match=r"ca\.crt is not a PEM certificate"):
        _nginx_tls.ensure(_params(root), now=NOW)
    assert (root / "ca/ca.crt").read_text() == "not a certificate\n"


def test_check_mode_reports_and_writes_nothing(root):
    result = _nginx_tls.ensure(_params(root), check_mode=True, now=NOW)
    assert result["changed"] and result["reasons"] == ["no certificate"]
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == []
    _nginx_tls.ensure(_params(root), now=NOW)
    assert _nginx_tls.ensure(_params(root), check_mode=True, now=NOW)["changed"] is False


def test_check_mode_on_a_data_path_not_made_yet(tmp_path):
    result = _nginx_tls.ensure(_params(tmp_path / "missing"), check_mode=True, now=NOW)
    assert result["changed"] and "ca_name_constrained" not in result


def test_without_names_only_the_ca_and_the_key(root):
    result = _nginx_tls.ensure(_params(root, names=[]), now=NOW)
    assert result["done"] == ["created the internal CA", "created the server key"]
    assert not (root / "certs/server.crt").exists() and not (root / _nginx.CERT_RECORD).exists()


ACME = "https://pebble.test:14000/dir"


def _acme(root, **overrides):
    params = {
        "data_path": str(root),
        "names": ["*.ai.test", "ai.test"],
        "acme_directory": ACME,
        "renew_before_days": 30,
    }
    params.update(overrides)
    return params


def _issue_like_acme(root, names, directory=ACME, days=90):
    """What the role's order leaves: a certificate for the server key (signed by a test CA) and the record."""
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = _nginx_tls.make_ca(ca_key, "pebble", 10, "ai.test", False, NOW)
    key = _nginx_tls.load_key((root / "certs/server.key").read_bytes(), ec.SECP256R1())
    cert = _nginx_tls.make_server_cert(key, names, ca, ca_key, days, NOW)
    (root / "certs/server.crt").write_bytes(_nginx_tls.cert_pem(cert))
    (root / _nginx_tls.ACME_RECORD).write_text(json.dumps({"directory": directory, "names": names}))


def test_acme_first_run_makes_both_keys_and_a_certificate_is_due(root):
    result = _nginx_tls.acme_due(_acme(root), now=NOW)
    assert result["done"] == ["created the ACME account key", "created the server key"]
    assert result["reasons"] == ["no certificate", "the ACME directory changed", "the recorded names differ"]
    for name in (_nginx_tls.ACME_ACCOUNT_KEY, "certs/server.key"):
        st = (root / name).stat()
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, 0, 0o600)
    assert not (root / "ca/ca.crt").exists()


@pytest.mark.parametrize(
    ("overrides", "later_days", "reasons"),
    [
        ({}, 1, []),
        ({"force_renewal": True}, 1, ["renewal forced"]),
        ({}, 70, ["the renewal window is reached"]),
        ({"names": ["ai.test"]}, 1, ["the names changed", "the recorded names differ"]),
        ({"acme_directory": "https://other.test/dir"}, 1, ["the ACME directory changed"]),
    ],
)
def test_acme_due_reasons(root, overrides, later_days, reasons):
    _nginx_tls.acme_due(_acme(root), now=NOW)
    _issue_like_acme(root, ["*.ai.test", "ai.test"])
    result = _nginx_tls.acme_due(_acme(root, **overrides), now=NOW + datetime.timedelta(days=later_days))
    assert result["reasons"] == reasons
    assert result["changed"] is False and result["not_after"] == "20270306120000Z"


def test_acme_a_new_server_key_makes_a_certificate_due(root):
    _nginx_tls.acme_due(_acme(root), now=NOW)
    _issue_like_acme(root, ["*.ai.test", "ai.test"])
    (root / "certs/server.key").unlink()
    result = _nginx_tls.acme_due(_acme(root), check_mode=True, now=NOW)
    assert result["done"] == ["created the server key"] and result["reasons"] == ["the server key changed"]
    assert not (root / "certs/server.key").exists()
