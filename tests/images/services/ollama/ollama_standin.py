# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama STAND-IN, for tests only. It is not Ollama.

Our CI cannot reach any container registry, so the Molecule scenarios (image
localhost/ai-stack-test/ollama:test, and the native-install archive of
molecule/ai) and the unit tests (``running("ollama", ...)``) run this small
standard-library server instead. It keeps the contract in CONTRACT.md: the
endpoints and error texts the ollama_model module and the role use, OLLAMA_HOST
(default 127.0.0.1:11434 natively, 0.0.0.0:11434 in the image), models under
OLLAMA_MODELS (default ~/.ollama/models), and an ``ollama`` CLI with serve,
list and --version (the image has no curl: the health check is ``ollama list``).

  /, /api/version, /api/tags, /api/pull (streamed NDJSON), /api/delete, /api/show, /api/ps

Test controls (stand-in only, under /standin/):
  GET  /standin/info                  argv, OLLAMA_*/HSA_*/... env (secrets masked), pid
  POST /standin/fail-pulls            {"model": "x", "count": 1, "mode": "drop"|"error"} arm pull failures
Environment:
  STANDIN_OLLAMA_CATALOG       JSON {"name:tag": size_bytes} the fake registry knows (default: a few small models)
  STANDIN_OLLAMA_PULL_FAILURES "name:tag=count[:mode],..." failures armed at start
  STANDIN_PULL_DELAY           seconds between progress lines (default 0.02)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STANDIN_VERSION = "0.0.0-standin"
DEFAULT_CATALOG = {
    "qwen2.5:0.5b": 397821319,
    "tinyllama:latest": 637700138,
    "smollm2:135m": 270898672,
    "llama3.1:8b": 4920753328,
    "llama3.2:3b": 2019393189,
    "nomic-embed-text:latest": 274302450,
}
_SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN")
ENV_PREFIXES = ("OLLAMA", "CUDA", "NVIDIA", "HIP", "ROCR", "HSA")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"
    service = None  # set per subclass

    def log_message(self, fmt, *args):  # one short line a request; stderr keeps stdout for callers
        sys.stderr.write(f"{self.service} {fmt % args}\n")
        sys.stderr.flush()

    # -- helpers ---------------------------------------------------------
    def send_json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, status, text, ctype="text/plain; charset=utf-8"):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def info(self):
        env = {
            k: ("***" if any(w in k for w in _SECRET_WORDS) else v)
            for k, v in os.environ.items()
            if k.split("_")[0] in self.server.env_prefixes
        }
        self.send_json(
            200, {"service": self.service, "stand_in": True, "argv": sys.argv, "env": env, "pid": os.getpid()}
        )

    def route(self, method):
        path = urllib.parse.urlsplit(self.path).path
        if method == "GET" and path == "/standin/info":
            return self.info()
        handler = getattr(
            self,
            f"{method.lower()}_{path.strip('/').replace('/', '_').replace('.', '_').replace('-', '_') or 'root'}",
            None,
        )
        if handler is None:
            return self.send_json(404, {"detail": "Not Found"}) if method != "HEAD" else self.send_text(404, "")
        return handler()

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")


# ---------------------------------------------------------------------------
# Ollama
# ---------------------------------------------------------------------------
def split_name(name):
    """(namespace/model, tag) the way Ollama lays manifests out."""
    name = name.strip().lower()
    for prefix in ("registry.ollama.ai/",):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name.startswith("library/"):
        name = name[len("library/") :]
    model, _sep, tag = name.partition(":")
    return model, tag or "latest"


class OllamaState:
    def __init__(self, models_dir, catalog, failures):
        self.models_dir = models_dir
        self.catalog = {"{}:{}".format(*split_name(k)): v for k, v in catalog.items()}
        self.failures = failures  # name -> [count, mode]
        self.lock = threading.Lock()

    def manifest_path(self, model, tag):
        ns, _sep, repo = model.rpartition("/")
        return os.path.join(self.models_dir, "manifests", "registry.ollama.ai", ns or "library", repo, tag)

    def installed(self):
        root = os.path.join(self.models_dir, "manifests", "registry.ollama.ai")
        found = []
        for dirpath, _dirs, files in os.walk(root):
            for tag in files:
                rel = os.path.relpath(dirpath, root).split(os.sep)
                ns, repo = rel[0], "/".join(rel[1:])
                model = repo if ns == "library" else f"{ns}/{repo}"
                path = os.path.join(dirpath, tag)
                with open(path) as fh:
                    manifest = json.load(fh)
                found.append((model, tag, manifest, os.path.getmtime(path)))
        return sorted(found)

    def entry(self, model, tag, manifest, mtime):
        size = sum(layer["size"] for layer in manifest["layers"])
        family = model.split("/")[-1].rstrip("0123456789.").split("-")[0] or "llama"
        return {
            "name": f"{model}:{tag}",
            "model": f"{model}:{tag}",
            "modified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime)),
            "size": size,
            "digest": manifest["digest"],
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": family,
                "families": [family],
                "parameter_size": manifest.get("parameter_size", "1B"),
                "quantization_level": "Q4_K_M",
            },
        }

    def find(self, name):
        model, tag = split_name(name)
        path = self.manifest_path(model, tag)
        if not os.path.exists(path):
            return None
        with open(path) as fh:
            return self.entry(model, tag, json.load(fh), os.path.getmtime(path))

    def write(self, name, size):
        model, tag = split_name(name)
        digest = hashlib.sha256(name.encode()).hexdigest()
        blob_dir = os.path.join(self.models_dir, "blobs")
        os.makedirs(blob_dir, exist_ok=True)
        # The real blob would be `size` bytes; a marker keeps the test disk small.
        with open(os.path.join(blob_dir, "sha256-" + digest), "w") as fh:
            fh.write(f"stand-in weights for {name}\n")
        path = self.manifest_path(model, tag)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        params = tag.split("-")[0] if tag[:1].isdigit() else "1B"
        with open(path, "w") as fh:
            json.dump(
                {
                    "digest": digest,
                    "parameter_size": params.upper(),
                    "layers": [{"digest": "sha256:" + digest, "size": size}],
                },
                fh,
            )

    def delete(self, name):
        model, tag = split_name(name)
        path = self.manifest_path(model, tag)
        if not os.path.exists(path):
            return False
        os.remove(path)
        return True

    def take_failure(self, name):
        key = "{}:{}".format(*split_name(name))
        with self.lock:
            armed = self.failures.get(key)
            if not armed or armed[0] <= 0:
                return None
            armed[0] -= 1
            return armed[1]


class OllamaHandler(Handler):
    service = "ollama"

    @property
    def state(self):
        return self.server.state

    def get_root(self):
        self.send_text(200, "Ollama is running")

    head_root = get_root

    def get_api_version(self):
        self.send_json(200, {"version": STANDIN_VERSION})

    def get_api_tags(self):
        self.send_json(200, {"models": [self.state.entry(*m) for m in self.state.installed()]})

    def get_api_ps(self):
        self.send_json(200, {"models": []})

    def _name(self):
        data = self.read_json()
        if data is None:
            self.send_json(400, {"error": "invalid request body"})
            return None
        name = data.get("model") or data.get("name")
        if not name:
            self.send_json(400, {"error": "model is required"})
            return None
        return name

    def post_api_show(self):
        name = self._name()
        if name is None:
            return
        entry = self.state.find(name)
        if entry is None:
            return self.send_json(404, {"error": f"model '{name}' not found"})
        self.send_json(
            200,
            {
                "license": "",
                "modelfile": "# stand-in\nFROM {}\n".format(entry["name"]),
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": entry["details"],
                "model_info": {"general.architecture": entry["details"]["family"]},
                "capabilities": ["completion"],
                "modified_at": entry["modified_at"],
            },
        )

    def delete_api_delete(self):
        name = self._name()
        if name is None:
            return
        if not self.state.delete(name):
            return self.send_json(404, {"error": f"model '{name}' not found"})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def post_standin_fail_pulls(self):
        data = self.read_json() or {}
        key = "{}:{}".format(*split_name(data.get("model", "")))
        self.state.failures[key] = [int(data.get("count", 1)), data.get("mode", "drop")]
        self.send_json(200, {"armed": key, "count": self.state.failures[key][0], "mode": self.state.failures[key][1]})

    def _chunk(self, obj):
        line = (json.dumps(obj) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.flush()
        time.sleep(self.server.pull_delay)

    def post_api_pull(self):
        data = self.read_json()
        name = (data or {}).get("model") or (data or {}).get("name")
        if not name:
            return self.send_json(400, {"error": "model is required"})
        key = "{}:{}".format(*split_name(name))
        stream = data.get("stream", True) is not False
        size = self.state.catalog.get(key)
        failure = self.state.take_failure(key) if size is not None else None
        if not stream:
            # Ollama waits for the whole pull and answers one object (500 on failure).
            if size is None:
                return self.send_json(500, {"error": "pull model manifest: file does not exist"})
            if failure:
                return self.send_json(500, {"error": "max retries exceeded: unexpected EOF"})
            self.state.write(key, size)
            return self.send_json(200, {"status": "success"})
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk({"status": "pulling manifest"})
        if size is None:
            # Ollama reports a name the registry does not know inside the stream.
            self._chunk({"error": "pull model manifest: file does not exist"})
            return self.wfile.write(b"0\r\n\r\n")
        digest = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        short = "pulling " + digest[7:19]
        steps = 4
        for step in range(steps + 1):
            if failure and step == steps // 2:
                if failure == "error":
                    self._chunk({"error": "max retries exceeded: unexpected EOF"})
                    return self.wfile.write(b"0\r\n\r\n")
                # "drop": the connection dies mid-stream, no terminating chunk.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            self._chunk({"status": short, "digest": digest, "total": size, "completed": size * step // steps})
        for status in ("verifying sha256 digest", "writing manifest"):
            self._chunk({"status": status})
        self.state.write(key, size)
        self._chunk({"status": "success"})
        self.wfile.write(b"0\r\n\r\n")
        return None


def parse_failures(spec):
    failures = {}
    for item in filter(None, (s.strip() for s in (spec or "").split(","))):
        name, _sep, rest = item.rpartition("=")
        count, _sep, mode = rest.partition(":")
        failures["{}:{}".format(*split_name(name))] = [int(count), mode or "drop"]
    return failures


def ollama_cli(args):
    """The bits of the `ollama` CLI a compose healthcheck uses: `ollama list`, `ollama --version`."""
    import urllib.request

    host, port = listen_address()
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if args[:1] in (["--version"], ["-v"]):
        print(f"ollama version is {STANDIN_VERSION}")
        return 0
    if args[:1] in (["list"], ["ls"]):
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/api/tags", timeout=5) as resp:
                models = json.load(resp)["models"]
        except OSError as exc:
            print(f"Error: could not connect to ollama app, is it running? ({exc})", file=sys.stderr)
            return 1
        print("NAME\tID\tSIZE\tMODIFIED")
        for m in models:
            print(f"{m['name']}\t{m['digest'][:12]}\t{m['size']}\t{m['modified_at']}")
        return 0
    print("stand-in ollama CLI: only serve, list and --version", file=sys.stderr)
    return 2


def make_server(service="ollama", host="0.0.0.0", port=None, **options):
    if service != "ollama":
        raise ValueError("this stand-in plays Ollama only")
    server = ThreadingHTTPServer((host, 11434 if port is None else port), OllamaHandler)
    server.daemon_threads = True
    server.env_prefixes = ENV_PREFIXES
    server.pull_delay = float(options.get("pull_delay", os.environ.get("STANDIN_PULL_DELAY", "0.02")))
    catalog = (
        options.get("catalog")
        or json.loads(os.environ.get("STANDIN_OLLAMA_CATALOG", "null") or "null")
        or DEFAULT_CATALOG
    )
    failures = parse_failures(options.get("failures", os.environ.get("STANDIN_OLLAMA_PULL_FAILURES", "")))
    models = options.get("models_dir") or os.environ.get("OLLAMA_MODELS") or os.path.expanduser("~/.ollama/models")
    os.makedirs(models, exist_ok=True)
    server.state = OllamaState(models, catalog, failures)
    return server


@contextlib.contextmanager
def running(service="ollama", **options):
    """Serve Ollama on a free port of 127.0.0.1 in a thread (for pytest): yields (server, base_url)."""
    server = make_server(service, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def listen_address():
    """envconfig.Host() at v0.12.10: OLLAMA_HOST, default 127.0.0.1:11434; a bare host gets the default port."""
    bind = os.environ.get("OLLAMA_HOST", "") or "127.0.0.1:11434"
    bind = bind.split("://", 1)[-1]
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        host, port = bind, "11434"
    return host.strip("[]") or "127.0.0.1", int(port)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["serve"]:
        return ollama_cli(argv)
    host, port = listen_address()
    server = make_server("ollama", host, port)
    print("STAND-IN ollama listening on {}:{}".format(*server.server_address[:2]), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
