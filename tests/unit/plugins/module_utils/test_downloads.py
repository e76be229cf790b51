"""Model downloads: checked, resumed from .part, never replacing a good file with a bad one."""

from __future__ import annotations

import hashlib
import importlib.util
import pathlib

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _downloads as d
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import Progress, progress_line

ROOT = pathlib.Path(__file__).resolve().parents[4]
_spec = importlib.util.spec_from_file_location("trickle_http", ROOT / "tests/standins/trickle/trickle_http.py")
trickle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(trickle)

DATA = bytes(range(256)) * 1000  # 256000 bytes
SHA = "sha256:" + hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "srv"
    root.mkdir()
    (root / "model.safetensors").write_bytes(DATA)
    return root


def entry(tmp_path, url, checksum=SHA):
    path = tmp_path / "models" / "vae" / "model.safetensors"
    return {"label": "vae/model.safetensors", "url": url, "path": str(path), "checksum": checksum}


def no_sleep(_seconds):
    return None


@pytest.mark.parametrize(
    ("checksum", "error"),
    [
        ("sha256:" + "a" * 64, None),
        ("SHA256:" + "A" * 64, None),
        ("md5:" + "0" * 32, None),
        ("sha256:abc", "a sha256 digest is 64 hex digits"),
        ("crc32:00000000", "checksum must be one of sha256"),
        ("", "checksum must be one of sha256"),
        ("sha256:" + "g" * 64, "a sha256 digest is 64 hex digits"),
    ],
)
def test_parse_checksum(checksum, error):
    if error is None:
        algo, digest = d.parse_checksum(checksum)
        assert algo == checksum.split(":")[0].lower() and digest == checksum.split(":")[1].lower()
    else:
        with pytest.raises(ValueError, match=error):
            d.parse_checksum(checksum)


def test_plan_states(tmp_path):
    models = tmp_path / "models"
    (models / "vae").mkdir(parents=True)
    (models / "vae" / "good.bin").write_bytes(DATA)
    (models / "vae" / "bad.bin").write_bytes(b"other")
    wanted = [
        {"url": "http://x/good.bin", "dest": "vae", "filename": "good.bin", "checksum": SHA},
        {"url": "http://x/bad.bin", "dest": "vae/", "filename": "bad.bin", "checksum": SHA},
        {"url": "http://x/new.bin", "dest": "checkpoints", "filename": "new.bin", "checksum": SHA},
    ]
    got = d.plan(wanted, str(models))
    assert [(e["label"], e["state"]) for e in got] == [
        ("vae/good.bin", "present"),
        ("vae/bad.bin", "differs"),
        ("checkpoints/new.bin", "missing"),
    ]
    assert got[2]["path"] == str(models / "checkpoints" / "new.bin")


def test_download_fresh_reports_progress(tmp_path, served):
    clock = [0.0]
    progress = Progress("vae/model.safetensors (1/1)", clock=lambda: clock[0])
    seen = []

    class Watch:
        attempt = 1

        def part(self, key, done, total):
            clock[0] += 0.1
            progress.part(key, done, total)
            seen.append(progress.snapshot())

    with trickle.running(str(served)) as (_srv, url):
        e = entry(tmp_path, f"{url}/model.safetensors")
        got = d.download(e, progress=Watch(), sleep=no_sleep)
    part = pathlib.Path(got["part"])
    assert part.read_bytes() == DATA and got["bytes"] == len(DATA) and got["attempts"] == 1
    # The caller replaces the file; the download alone never touches it.
    assert not pathlib.Path(e["path"]).exists()
    assert seen[0]["completed"] == 0 and seen[0]["total"] == len(DATA)
    assert seen[-1]["percent"] == 100.0
    # A snapshot between the first and the last byte (how many bytes each read
    # returns depends on the socket's timing, so not a fixed percentage).
    middle = next(s for s in seen if 0 < (s["percent"] or 0) < 100)
    assert progress_line(middle).startswith("vae/model.safetensors (1/1): ")
    assert " of 256.0 kB, " in progress_line(middle) and " left (elapsed " in progress_line(middle)


def test_resume_asks_for_the_rest_only(tmp_path, served):
    with trickle.running(str(served)) as (srv, url):
        e = entry(tmp_path, f"{url}/model.safetensors")
        part = pathlib.Path(e["path"] + ".part")
        part.parent.mkdir(parents=True)
        part.write_bytes(DATA[:100000])
        got = d.download(e, sleep=no_sleep)
    assert srv.requests == [("GET", "/model.safetensors", "bytes=100000-")]
    assert got["bytes"] == len(DATA) - 100000
    assert part.read_bytes() == DATA


def test_server_without_ranges_sends_the_whole_file(tmp_path, served):
    with trickle.running(str(served), ranges=False) as (_srv, url):
        e = entry(tmp_path, f"{url}/model.safetensors")
        part = pathlib.Path(e["path"] + ".part")
        part.parent.mkdir(parents=True)
        part.write_bytes(b"stale bytes of an older attempt")
        got = d.download(e, sleep=no_sleep)
    assert part.read_bytes() == DATA and got["bytes"] == len(DATA)


def test_a_dropped_download_resumes_on_the_next_attempt(tmp_path, served):
    calls = []

    class DropOnce:
        """The first request goes to /drop/ (half the file, then the connection closes)."""

        def open(self, request, timeout):
            import urllib.request

            calls.append(request.headers.get("Range"))
            if len(calls) == 1:
                request = urllib.request.Request(request.full_url.replace("/model", "/drop/model"))
            return urllib.request.build_opener().open(request, timeout=timeout)

    with trickle.running(str(served)) as (_srv, url):
        e = entry(tmp_path, f"{url}/model.safetensors")
        got = d.download(e, retries=2, opener=DropOnce(), sleep=no_sleep)
    assert got["attempts"] == 2 and len(got["errors"]) == 1
    assert "connection dropped after 128000 of 256000 bytes" in got["errors"][0]
    assert calls == [None, "bytes=128000-"]
    assert pathlib.Path(got["part"]).read_bytes() == DATA


def test_a_failed_download_never_replaces_a_good_file(tmp_path, served):
    with trickle.running(str(served)) as (_srv, url):
        e = entry(tmp_path, f"{url}/drop/model.safetensors")
        good = pathlib.Path(e["path"])
        good.parent.mkdir(parents=True)
        good.write_bytes(b"the user's good file")
        with pytest.raises(d.DownloadError) as err:
            d.download(e, retries=1, sleep=no_sleep)
    assert err.value.attempts == 2 and "connection dropped" in err.value.message
    assert good.read_bytes() == b"the user's good file"


def test_a_wrong_checksum_removes_the_part_and_fails(tmp_path, served):
    with trickle.running(str(served)) as (_srv, url):
        e = entry(tmp_path, f"{url}/model.safetensors", checksum="sha256:" + "0" * 64)
        with pytest.raises(d.DownloadError) as err:
            d.download(e, retries=1, sleep=no_sleep)
    assert err.value.attempts == 2
    assert f"sha256 is {SHA[7:]}, expected {'0' * 64}" in err.value.message
    assert not pathlib.Path(e["path"] + ".part").exists() and not pathlib.Path(e["path"]).exists()


def test_not_found_is_not_retried(tmp_path, served):
    with trickle.running(str(served)) as (_srv, url):
        e = entry(tmp_path, f"{url}/missing.safetensors")
        with pytest.raises(d.DownloadError) as err:
            d.download(e, retries=5, sleep=no_sleep)
    assert err.value.attempts == 1 and "HTTP 404" in err.value.message


def test_file_urls(tmp_path, served):
    e = entry(tmp_path, f"file://{served}/model.safetensors")
    got = d.download(e, sleep=no_sleep)
    assert pathlib.Path(got["part"]).read_bytes() == DATA


def test_summary():
    files = [
        {"action": "downloaded", "bytes": 2_000_000, "seconds": 20.0},
        {"action": "skipped", "bytes": 0, "seconds": 0},
        {"action": "failed", "bytes": 600_000, "seconds": 6.4},
    ]
    s = d.summary(files)
    assert (s["downloaded"], s["skipped"], s["failed"], s["bytes"], s["seconds"]) == (1, 1, 1, 2_600_000, 26.4)
    assert s["line"] == "downloaded 1, skipped 1, failed 1; 2.6 MB in 26s"
    assert d.summary([])["line"] == "downloaded 0, skipped 0, failed 0; 0 B in 0s"
