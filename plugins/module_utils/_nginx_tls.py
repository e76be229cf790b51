# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nginx role's certificates: the internal CA, server key and certificate in one module
run; for an ACME CA the keys and whether a certificate is due (the order stays with
community.crypto.acme_certificate).

What the role did before with community.crypto (openssl_privatekey, openssl_csr_pipe,
x509_certificate selfsigned/ownca, x509_certificate_info, find): the CA is made once
and never replaced (clients trust it); the server key is kept while it is an EC
P-256 key; the certificate is issued again only when it is missing, within the
renewal window, names other names or common name, holds another key, or was not
signed by this CA. The record (certs/server-certificate.json, format of
_nginx.cert_record) lets the next run skip all of it from one read.

Needs the Python ``cryptography`` library on the host (>= 3.4; Debian 12 has 38),
which the role installs first. Nothing secret is returned: no key, no checksum.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import os

from ansible_collections.homelab.ai_stack.plugins.module_utils._files import write_file
from ansible_collections.homelab.ai_stack.plugins.module_utils._nginx import CERT_FILES, CERT_RECORD, cert_record

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_ERROR = None
except ImportError as error:  # pragma: no cover - the module reports it
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_ERROR = error

CA_KEY = "ca/ca.key"
ACME_ACCOUNT_KEY = "certs/acme-account.key"
ACME_RECORD = "certs/acme-certificate.json"
TIME_FORMAT = "%Y%m%d%H%M%SZ"


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def _not_after(cert):
    """The expiry as an aware UTC datetime (cryptography < 42 has only the naive one)."""
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def load_key(data, curve):
    """The EC private key of ``curve`` in PEM ``data``; None when missing, unreadable or of another type."""
    if not data:
        return None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != curve.name:
        return None
    return key


def load_cert(data):
    """The certificate in PEM ``data``; None when missing or unreadable."""
    if not data:
        return None
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        return None


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _ext(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def name_constrained(ca_cert):
    """Whether the CA certificate carries name constraints (OID 2.5.29.30)."""
    return _ext(ca_cert, x509.NameConstraints) is not None


def make_ca(key, common_name, valid_days, domain, constrained, now):
    """A self-signed CA for the stack's names: pathlen 0, keyCertSign and cRLSign; with ``constrained``
    names below ``domain`` only and no IP address (RFC 5280 4.2.1.10), all critical."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=int(valid_days)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if constrained:
        excluded = [x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")), x509.IPAddress(ipaddress.ip_network("::/0"))]
        builder = builder.add_extension(x509.NameConstraints([x509.DNSName(domain)], excluded), critical=True)
    return builder.sign(key, hashes.SHA256())


def make_server_cert(key, names, ca_cert, ca_key, valid_days, now):
    """The server certificate for ``names`` (the first is the common name), serverAuth, signed by the CA."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=int(valid_days)))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256())


def _signed_by(cert, ca_cert):
    if cert.issuer != ca_cert.subject:
        return False
    try:
        ca_cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def cert_reasons(cert, key, ca_cert, names, renew_before_days, now, acme=False):
    """Why the server certificate must be issued again; empty when it is current.

    ``acme``: the certificate of an ACME CA (no common name or issuer to compare)."""
    if cert is None:
        return ["no certificate"]
    reasons = []
    if _not_after(cert) <= now + datetime.timedelta(days=int(renew_before_days)):
        reasons.append("the renewal window is reached")
    sans = _ext(cert, x509.SubjectAlternativeName)
    if sorted(sans.get_values_for_type(x509.DNSName) if sans else []) != sorted(names):
        reasons.append("the names changed")
    common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not acme and (not common or common[0].value != names[0]):
        reasons.append("the common name changed")
    if key is None or _public_der(cert.public_key()) != _public_der(key.public_key()):
        reasons.append("the server key changed")
    if not acme and (ca_cert is None or not _signed_by(cert, ca_cert)):
        reasons.append("the internal CA did not sign it")
    return reasons


def _ids(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid, st.st_mode & 0o7777


def _ensure_key(path, curve, gid, mode, what, done, check_mode):
    """The EC key of ``curve`` at ``path`` (made when missing or of another type), root's, group ``gid``."""
    key = load_key(_read(path), curve)
    if key is None:
        done.append(f"created the {what}")
        if not check_mode:
            key = ec.generate_private_key(curve)
            write_file(path, key_pem(key), mode, 0, gid)
    elif _ids(path) != (0, gid, mode):
        done.append(f"set the owner, group and mode of the {what}")
        if not check_mode:
            os.chown(path, 0, gid)
            os.chmod(path, mode)
    return key


def acme_due(params, check_mode=False, now=None):
    """The account and server keys of an ACME certificate (root, 0600), and why a certificate is due.

    ``params``: data_path, names (the certificate's), acme_directory, renew_before_days, force_renewal.
    Due: forced, no certificate, the renewal window, other names, another key, or the record
    (certs/acme-certificate.json) naming another directory or other names.
    """
    now = now or _utc_now()
    root = params["data_path"].rstrip("/")
    names = list(params.get("names") or [])
    done = []
    _ensure_key(os.path.join(root, ACME_ACCOUNT_KEY), ec.SECP256R1(), 0, 0o600, "ACME account key", done, check_mode)
    key = _ensure_key(os.path.join(root, "certs/server.key"), ec.SECP256R1(), 0, 0o600, "server key", done, check_mode)
    cert = load_cert(_read(os.path.join(root, "certs/server.crt")))
    reasons = ["renewal forced"] if params.get("force_renewal") else []
    reasons += cert_reasons(cert, key, None, names, params["renew_before_days"], now, acme=True)
    try:
        record = json.loads(_read(os.path.join(root, ACME_RECORD)) or b"{}")
    except ValueError:
        record = {}
    if not isinstance(record, dict) or record.get("directory", "") != params.get("acme_directory"):
        reasons.append("the ACME directory changed")
    if not isinstance(record, dict) or record.get("names", []) != names:
        reasons.append("the recorded names differ")
    result = {"changed": bool(done), "done": done, "reasons": reasons, "not_after": ""}
    if cert is not None:
        result["not_after"] = _not_after(cert).strftime(TIME_FORMAT)
    return result


def ensure(params, check_mode=False, now=None):
    """Make the CA, the server key and certificate and the record current; returns the module result.

    ``params``: data_path, names (vhost FQDNs, the first is the common name; none: CA and key only),
    domain, ca_common_name, ca_valid_days, ca_name_constraints, cert_valid_days, renew_before_days,
    key_group (gid of the server key, the nginx workers' group).
    """
    now = now or _utc_now()
    root = params["data_path"].rstrip("/")
    path = {name: os.path.join(root, name) for name in (*CERT_FILES, CA_KEY, CERT_RECORD)}
    names = list(params.get("names") or [])
    gid = int(params["key_group"])
    done = []

    ca_data = _read(path["ca/ca.crt"])
    ca_cert = load_cert(ca_data)
    if ca_data is not None and ca_cert is None:
        raise ValueError(
            f"{path['ca/ca.crt']} is not a PEM certificate; it is kept (clients trust it): replace or remove it by hand"
        )
    ca_key = None
    if ca_cert is None:
        done.append("created the internal CA")
        if not check_mode:
            ca_key = ec.generate_private_key(ec.SECP384R1())
            write_file(path[CA_KEY], key_pem(ca_key), 0o600, 0, 0)
            ca_cert = make_ca(
                ca_key,
                params["ca_common_name"],
                params["ca_valid_days"],
                params["domain"],
                params["ca_name_constraints"],
                now,
            )
            write_file(path["ca/ca.crt"], cert_pem(ca_cert), 0o644, 0, 0)

    key = _ensure_key(path["certs/server.key"], ec.SECP256R1(), gid, 0o640, "server key", done, check_mode)

    reasons = []
    cert = None
    if names:
        cert = load_cert(_read(path["certs/server.crt"]))
        reasons = cert_reasons(cert, key, ca_cert, names, params["renew_before_days"], now)
        if reasons:
            done.append("issued the server certificate: " + ", ".join(reasons))
            if not check_mode:
                ca_key = ca_key or load_key(_read(path[CA_KEY]), ec.SECP384R1())
                if ca_key is None:
                    raise ValueError(
                        f"{path[CA_KEY]} is missing or not the EC P-384 key of {path['ca/ca.crt']}: cannot sign"
                    )
                cert = make_server_cert(key, names, ca_cert, ca_key, params["cert_valid_days"], now)
                write_file(path["certs/server.crt"], cert_pem(cert), 0o644, 0, 0)

    result = {"changed": bool(done), "done": done, "reasons": reasons, "not_after": ""}
    if ca_cert is not None:
        result["ca_name_constrained"] = name_constrained(ca_cert)
    if names and cert is not None:
        result["not_after"] = _not_after(cert).strftime(TIME_FORMAT)
    if names and not check_mode:
        sums = {name: hashlib.sha1(_read(path[name]) or b"").hexdigest() for name in CERT_FILES}
        text = cert_record(names, result["not_after"], result["ca_name_constrained"], sums)
        if _read(path[CERT_RECORD]) != text.encode("utf-8") or _ids(path[CERT_RECORD]) != (0, 0, 0o600):
            write_file(path[CERT_RECORD], text.encode("utf-8"), 0o600, 0, 0)
            done.append("wrote the certificate record")
            result["changed"] = True
    return result
