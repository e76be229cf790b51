# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client for the Ollama REST API (stdlib only: it runs on the target).

Used by the ``homelab.ai_stack.ollama_model`` module. Nothing here imports
Ansible, so the unit tests drive it directly against a local HTTP server.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request

# The progress of a pull (Progress, ProgressFile, the line a person reads) is shared with
# the ComfyUI model downloads: module_utils/_progress.py.
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import summary_line

DEFAULT_REGISTRY = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

# Ollama answers these for requests that no retry will fix: a name the registry
# does not know, a malformed name, missing credentials, a full disk.
_PERMANENT_MARKERS = (
    "file does not exist",
    "invalid model name",
    "invalid reference format",
    "not found",
    "unauthorized",
    "no space left on device",
)


class OllamaError(Exception):
    """An error from the Ollama API, or from talking to it."""

    def __init__(self, message, status=None, retryable=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


def is_permanent(message, status=None):
    """True when retrying the same request cannot succeed."""
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return True
    text = (message or "").lower()
    return any(marker in text for marker in _PERMANENT_MARKERS)


def normalize_name(name):
    """Return the name Ollama stores a model under, for comparisons.

    ``llama3`` and ``registry.ollama.ai/library/llama3:latest`` are the same
    model; Ollama lists the short form. Names compare case-insensitively, as
    Ollama does.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a model name must be a non-empty string")
    name = name.strip()
    if any(c.isspace() for c in name):
        raise ValueError(f"model name {name!r} contains whitespace")
    parts = name.split("/")
    last = parts[-1]
    if "@" in last:
        raise ValueError(f"model name {name!r}: pulling by digest is not supported, use a tag")
    if ":" not in last:
        parts[-1] = f"{last}:{DEFAULT_TAG}"
    # host/namespace/model: drop the defaults so both spellings compare equal.
    if len(parts) == 3 and parts[0].lower() == DEFAULT_REGISTRY:
        parts = parts[1:]
    if len(parts) == 2 and parts[0].lower() == DEFAULT_NAMESPACE:
        parts = parts[1:]
    return "/".join(parts).lower()


def find_model(models, name):
    """The entry of an /api/tags ``models`` list that is ``name``, or None."""
    wanted = normalize_name(name)
    for entry in models:
        for key in ("name", "model"):
            value = entry.get(key)
            if isinstance(value, str) and value and normalize_name(value) == wanted:
                return entry
    return None


def _error_text(body):
    """Ollama's error message from a response body (JSON ``{"error": ...}``)."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        return text.strip()
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return str(data)


class OllamaClient:
    """Talks to one Ollama server, e.g. ``http://172.30.0.5:11434``."""

    def __init__(self, base_url, timeout=30, pull_timeout=600, validate_certs=True, opener=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.pull_timeout = pull_timeout
        handlers = []
        if self.base_url.startswith("https://") and not validate_certs:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = opener or urllib.request.build_opener(*handlers)

    def _open(self, method, path, payload=None, timeout=None):
        data = None
        headers = {"Accept": "application/json"}
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            return self._opener.open(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as exc:
            message = _error_text(exc.read())
            exc.close()
            raise OllamaError(
                f"{method} {path} returned HTTP {exc.code}: {message}",
                status=exc.code,
                retryable=not is_permanent(message, exc.code),
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise OllamaError(f"cannot reach Ollama at {self.base_url}: {reason}", retryable=True) from None

    def _json(self, method, path, payload=None):
        with self._open(method, path, payload) as response:
            body = response.read()
        if not body.strip():
            return {}
        try:
            return json.loads(body)
        except ValueError:
            raise OllamaError(f"{method} {path}: the answer is not JSON: {body[:200]!r}") from None

    def version(self):
        return self._json("GET", "/api/version").get("version")

    def list_models(self):
        models = self._json("GET", "/api/tags").get("models") or []
        return [m for m in models if isinstance(m, dict)]

    def show(self, name):
        """/api/show for ``name``; None when Ollama does not have it."""
        try:
            return self._json("POST", "/api/show", {"model": name, "name": name})
        except OllamaError as exc:
            if exc.status == 404:
                return None
            raise

    def delete(self, name):
        """Delete ``name``; False when Ollama did not have it."""
        try:
            with self._open("DELETE", "/api/delete", {"model": name, "name": name}) as response:
                response.read()
        except OllamaError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def pull(self, name, insecure=False, on_event=None):
        """Pull ``name`` through the streamed /api/pull; return the statuses seen.

        Ollama sends one JSON object a line and reports failures inside the
        stream (HTTP 200, ``{"error": ...}``), so a pull has only succeeded
        when the stream says ``success``; a stream that just stops is a dropped
        connection, worth a retry (Ollama resumes the partial download).
        ``on_event`` is called with every progress object the stream sends.
        """
        payload = {"model": name, "name": name, "insecure": bool(insecure), "stream": True}
        statuses = []
        progress = {}
        try:
            with self._open("POST", "/api/pull", payload, timeout=self.pull_timeout) as response:
                for raw in response:
                    line = raw.strip()
                    if not line:
                        continue
                    try:
                        event = json.loads(line)
                    except ValueError:
                        raise OllamaError(
                            f"pull {name}: unreadable progress line {line[:200]!r}", retryable=True
                        ) from None
                    if event.get("error"):
                        message = str(event["error"])
                        raise OllamaError(f"pull {name}: {message}", retryable=not is_permanent(message))
                    if on_event is not None:
                        on_event(event)
                    status = event.get("status")
                    if status and (not statuses or statuses[-1] != status):
                        statuses.append(status)
                    if event.get("digest") and event.get("total"):
                        progress[event["digest"]] = (event.get("completed") or 0, event["total"])
                    if status == "success":
                        return statuses
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise OllamaError(
                f"pull {name}: connection dropped after {_describe(progress)} ({exc})", retryable=True
            ) from None
        raise OllamaError(
            f"pull {name}: connection dropped after {_describe(progress)}, before Ollama reported success",
            retryable=True,
        )


def _describe(progress):
    done = sum(c for c, _total in progress.values())
    total = sum(t for _done, t in progress.values())
    if not total:
        return "no download progress"
    return f"{done} of {total} bytes"


def pull_with_retries(client, name, retries=3, delay=5.0, insecure=False, sleep=time.sleep, progress=None):
    """Pull, retrying errors a retry can fix. Returns (statuses, attempts, errors).

    ``progress`` (a PullProgress) sees every progress object of every attempt.
    """
    errors = []
    attempts = 0
    while True:
        attempts += 1
        if progress is not None:
            progress.attempt = attempts
        try:
            on_event = progress.update if progress is not None else None
            return client.pull(name, insecure=insecure, on_event=on_event), attempts, errors
        except OllamaError as exc:
            errors.append(exc.message)
            if not exc.retryable or attempts > retries:
                exc.attempts = attempts
                exc.errors = errors
                raise
        sleep(delay)


def pull_summary(results):
    """Counts and totals over ollama_model results (a registered loop's ``results``).

    Returns ``{pulled, skipped, failed, deleted, bytes, seconds, line}``: pulled
    models, models left as they were, failed ones, bytes pulled and the
    seconds the pulls took.
    """
    summary = {"pulled": 0, "skipped": 0, "failed": 0, "deleted": 0, "bytes": 0, "seconds": 0.0}
    for result in results or []:
        if not isinstance(result, dict):
            continue
        if result.get("failed"):
            summary["failed"] += 1
        elif result.get("action") == "pulled":
            summary["pulled"] += 1
        elif result.get("action") == "deleted":
            summary["deleted"] += 1
        else:
            summary["skipped"] += 1
        pull = result.get("pull") or {}
        summary["bytes"] += int(pull.get("bytes") or 0)
        summary["seconds"] += float(pull.get("seconds") or 0)
    summary["seconds"] = round(summary["seconds"], 1)
    summary["line"] = summary_line(
        [(word, summary[word]) for word in ("pulled", "skipped", "failed", "deleted")],
        summary["bytes"],
        summary["seconds"],
    )
    return summary


def container_address(inspect_json, network):
    """A container's address on ``network`` from ``docker inspect`` of its ``.NetworkSettings.Networks`` (JSON)."""
    try:
        networks = json.loads(inspect_json or "{}")
    except ValueError:
        return ""
    entry = networks.get(network) if isinstance(networks, dict) else None
    return str((entry or {}).get("IPAddress") or "") if isinstance(entry, dict) else ""


def read_metadata(client, names):
    """What a running Ollama says of ``names`` for the VRAM plan: (``/api/tags``, the ``/api/show`` results).

    Only the names it has are shown, verbose (the token list gives the vocabulary size). Each result is
    ``{item, status, json}`` as a registered ``uri`` loop gives it (what the ollama_settings filter reads); an
    Ollama that does not answer gives ``({}, [])``, a show that fails a result without ``json``.
    """
    try:
        tags = client._json("GET", "/api/tags")
    except OllamaError:
        return {}, []
    have = {m.get("name") for m in tags.get("models") or [] if isinstance(m, dict)}
    results = []
    for name in names:
        if name not in have:
            continue
        try:
            results.append(
                {
                    "item": name,
                    "status": 200,
                    "json": client._json("POST", "/api/show", {"model": name, "verbose": True}),
                }
            )
        except OllamaError as exc:
            results.append({"item": name, "status": exc.status or -1})
    return tags, results
