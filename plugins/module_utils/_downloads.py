# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Downloads of model files that are checked, resumed and never half-written.

Stdlib only: it runs on the target, in ``homelab.ai_stack.comfyui_models``. Nothing
here imports Ansible, so the unit tests drive it against a local HTTP server.

- A file whose checksum matches is left alone (``skipped``).
- A download goes to ``<file>.part``; an interrupted one resumes from there with an
  HTTP ``Range`` request (a server that ignores it sends the whole file again). Only
  a ``.part`` whose checksum matches replaces the file (``os.replace``), so a partial
  or corrupt download never replaces a good file.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import ssl
import time
import urllib.error
import urllib.request

from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import summary_line

CHUNK = 64 * 1024
ALGORITHMS = ("sha256", "sha512", "sha1", "md5")


class DownloadError(Exception):
    def __init__(self, message, retryable=True):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def parse_checksum(checksum):
    """``sha256:HEX`` -> (``sha256``, ``hex``); ValueError names what is wrong."""
    algo, sep, digest = str(checksum or "").partition(":")
    algo, digest = algo.strip().lower(), digest.strip().lower()
    if not sep or algo not in ALGORITHMS:
        raise ValueError(
            f"checksum must be one of {', '.join(ALGORITHMS)} and ':' and the hex digest, got {checksum!r}"
        )
    size = hashlib.new(algo).digest_size * 2
    if len(digest) != size or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"checksum {checksum!r}: a {algo} digest is {size} hex digits")
    return algo, digest


def file_digest(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def file_state(path, checksum):
    """``present`` (checksum matches), ``differs`` or ``missing``."""
    if not os.path.isfile(path):
        return "missing"
    algo, digest = parse_checksum(checksum)
    return "present" if file_digest(path, algo) == digest else "differs"


def plan(models, models_dir):
    """[{label, url, path, checksum, state}] for each wanted file, in order."""
    out = []
    for model in models:
        rel = f"{model['dest'].strip('/')}/{model['filename']}"
        path = os.path.join(models_dir, rel)
        out.append(
            {
                "label": rel,
                "url": model["url"],
                "path": path,
                "checksum": model["checksum"],
                "state": file_state(path, model["checksum"]),
            }
        )
    return out


def _opener(validate_certs=True):
    handlers = []
    if not validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def fetch(url, part, timeout=60, on_bytes=None, opener=None):
    """Download ``url`` into ``part``, resuming what ``part`` holds. Returns bytes received now.

    ``on_bytes(done, total)`` is called as bytes arrive (``total`` 0 when unknown).
    """
    offset = os.path.getsize(part) if os.path.isfile(part) else 0
    headers = {"User-Agent": "homelab.ai_stack"}
    if offset and url.startswith(("http://", "https://")):
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    opener = opener or _opener()
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            # The part already holds the whole file (or more): let the checksum judge.
            return 0
        retryable = exc.code >= 500 or exc.code in (408, 429)
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}", retryable=retryable) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    received = 0
    with response:
        status = getattr(response, "status", None) or response.getcode()
        length = response.headers.get("Content-Length") if response.headers else None
        length = int(length) if length and length.isdigit() else 0
        if status == 206:
            mode, done = "ab", offset
        else:
            mode, done = "wb", 0
        total = done + length if length else 0
        if on_bytes is not None:
            on_bytes(done, total)
        try:
            with open(part, mode) as out:
                # read1: what has arrived, so a slow link still moves the progress often.
                read = getattr(response, "read1", None) or response.read
                for block in iter(lambda: read(CHUNK), b""):
                    out.write(block)
                    received += len(block)
                    done += len(block)
                    if on_bytes is not None:
                        on_bytes(done, total)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise DownloadError(f"{url}: connection dropped after {done} bytes ({exc})") from None
        if total and done < total:
            raise DownloadError(f"{url}: connection dropped after {done} of {total} bytes")
    return received


def download(entry, timeout=60, retries=3, delay=5.0, progress=None, opener=None, sleep=time.sleep):
    """Make ``entry['path']`` the file of ``entry['url']`` with ``entry['checksum']``.

    Returns ``{bytes, seconds, attempts, errors}``; raises DownloadError (with
    ``.attempts``, ``.errors``, ``.bytes``) when every attempt failed. ``progress``
    (a Progress or ProgressFile) sees the bytes.
    """
    algo, digest = parse_checksum(entry["checksum"])
    path = entry["path"]
    part = path + ".part"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    started = time.monotonic()
    errors, received, attempts = [], 0, 0
    on_bytes = (lambda done, total: progress.part(entry["label"], done, total)) if progress is not None else None
    while True:
        attempts += 1
        if progress is not None:
            progress.attempt = attempts
        try:
            received += fetch(entry["url"], part, timeout=timeout, on_bytes=on_bytes, opener=opener)
            got = file_digest(part, algo)
            if got != digest:
                os.remove(part)
                raise DownloadError(f"{entry['url']}: {algo} is {got}, expected {digest}")
            return {
                "bytes": received,
                "seconds": round(time.monotonic() - started, 1),
                "attempts": attempts,
                "errors": errors,
                "part": part,
            }
        except DownloadError as exc:
            errors.append(exc.message)
            if not exc.retryable or attempts > retries:
                exc.attempts, exc.errors, exc.bytes = attempts, errors, received
                exc.seconds = round(time.monotonic() - started, 1)
                raise
        sleep(delay)


def summary(files):
    """Counts and totals over the module's ``files``: ``{downloaded, skipped, failed,
    bytes, seconds, line}`` (``would download`` counts as downloaded in check mode)."""
    out = {"downloaded": 0, "skipped": 0, "failed": 0, "bytes": 0, "seconds": 0.0}
    for entry in files or []:
        action = entry.get("action")
        if action in ("downloaded", "would download"):
            out["downloaded"] += 1
        elif action == "failed":
            out["failed"] += 1
        else:
            out["skipped"] += 1
        out["bytes"] += int(entry.get("bytes") or 0)
        out["seconds"] += float(entry.get("seconds") or 0)
    out["seconds"] = round(out["seconds"], 1)
    out["line"] = summary_line([(w, out[w]) for w in ("downloaded", "skipped", "failed")], out["bytes"], out["seconds"])
    return out
