# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight of the ollama and comfyui roles (module_utils/_ai_services.py), on recorded GPUs.

The GPUs are the recorded nvidia-smi / rocm-smi outputs parsed as gpu_facts
parses them; the inputs are what the roles hand over (vars/main.yml), given
both as real values and as the strings ``-e name=value`` gives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_probe
from ansible_collections.homelab.ai_stack.plugins.module_utils import _ai_services as s
from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu as g
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram import plan

FIXTURES = Path(__file__).resolve().parents[1] / "modules" / "fixtures" / "gpu"


def nvidia(name):
    return g.parse_nvidia_smi_xml((FIXTURES / "nvidia-smi-xml" / name).read_text())[0]


def amd(name):
    return g.parse_rocm_smi_json((FIXTURES / "rocm-smi" / name).read_text())[0]


RTX3060 = "telegraf_rtx-3060-v12.xml"

OLLAMA_DEFAULTS = {
    "ai_stack_storage_root": "/srv/cold-storage",
    "ai_stack_bind_address": "",
    "ai_stack_docker_subnet": "172.30.0.0/24",
    "comfyui_pipeline": "sdxl",
    "ollama_install_method": "compose",
    "ollama_purge_data": False,
    "ollama_publish": False,
    "ollama_port": 11434,
    "ollama_cpus": None,
    "ollama_memory": None,
    "ollama_pids_limit": 2048,
    "ollama_cap_add": [],
    "ollama_read_only": True,
    "ollama_wait_timeout": 300,
    "ollama_require_gpu": False,
    "ollama_gpu_ids": None,
    "ollama_max_loaded_models": None,
    "ollama_num_parallel": None,
    "ollama_keep_alive": None,
    "ollama_flash_attention": None,
    "ollama_kv_cache_type": None,
    "ollama_context_length": None,
    "ollama_extra_env": {},
    "ollama_models_path": "",
    "ollama_models": [
        {"name": "llama3.2:3b"},
        {"name": "qwen2.5:0.5b", "state": "present"},
        {"name": "tinyllama", "state": "absent"},
    ],
    "ollama_vram_overcommit": "fail",
    "ollama_pull_retries": 3,
    "ollama_pull_retry_delay": 10,
    "ollama_pull_timeout": 600,
    "ollama_native_url": "https://example.invalid/ollama-linux-amd64.tgz",
    "ollama_native_checksum": "",
    "ollama_native_rocm_url": "https://example.invalid/ollama-linux-amd64-rocm.tgz",
    "ollama_native_rocm_checksum": "",
    "ollama_native_listen": "",
    "ollama_models_auto": [],
    "ollama_models_auto_allow_cpu_offload": False,
    "ollama_vram_read_api": True,
}


def ollama(gpus=None, toolkit=True, memory=24000, probe=None, **changes):
    return s.ollama_settings(
        dict(OLLAMA_DEFAULTS, **changes), gpus if gpus is not None else nvidia(RTX3060), toolkit, memory, probe=probe
    )


def test_the_molecule_ai_host_gets_the_plan_the_verify_expects():
    gpus = nvidia(RTX3060)
    out = ollama(ollama_keep_alive="10m")
    expected = plan(["llama3.2:3b", "qwen2.5:0.5b", "sdxl"], gpus)
    assert out["errors"] == []
    assert out["gpu_mode"] == "nvidia"
    assert out["workloads"] == ["llama3.2:3b", "qwen2.5:0.5b", "sdxl"]
    assert out["env"]["OLLAMA_NUM_PARALLEL"] == str(expected["ollama"]["num_parallel"])
    assert out["env"]["OLLAMA_KV_CACHE_TYPE"] == expected["ollama"]["kv_cache_type"]
    assert out["env"]["OLLAMA_KEEP_ALIVE"] == "10m"
    assert out["env"].get("OLLAMA_FLASH_ATTENTION", "unset") == (
        "true" if expected["ollama"]["flash_attention"] else "unset"
    )
    assert out["gpu_ids"] == [gpus[0]["uuid"]]
    assert out["memory"].endswith("m")


STRINGS = {
    "ollama_publish": ("false", False),
    "ollama_read_only": ("False", False),
    "ollama_require_gpu": ("no", False),
    "ollama_vram_read_api": ("false", False),
    "ollama_port": ("11435", 11435),
    "ollama_pids_limit": ("512", 512),
    "ollama_wait_timeout": ("60", 60),
    "ollama_pull_retries": ("0", 0),
    "ollama_cpus": ("2.5", 2.5),
    "ollama_cap_add": ("NET_RAW,CHOWN", ["NET_RAW", "CHOWN"]),
    "ollama_gpu_ids": ('["0"]', ["0"]),
}


@pytest.mark.parametrize("name", sorted(STRINGS))
def test_command_line_strings_become_values(name):
    text, value = STRINGS[name]
    out = ollama(**{name: text})
    assert out["errors"] == []
    assert out[name[len("ollama_") :]] == value


def test_string_true_publishes_only_with_an_address():
    assert ollama(ollama_publish="true")["errors"][0].startswith(
        "ollama_publish is true but ai_stack_bind_address is empty"
    )
    assert ollama(ollama_publish="true", ai_stack_bind_address="100.100.1.1")["publish"] is True


def test_string_flash_attention_false_is_written_when_set_by_hand():
    assert ollama(ollama_flash_attention="false")["env"]["OLLAMA_FLASH_ATTENTION"] == "false"
    assert ollama(ollama_flash_attention="true")["env"]["OLLAMA_FLASH_ATTENTION"] == "true"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ollama_port": "eleven"}, "ollama_port must be a whole number, got 'eleven'"),
        ({"ollama_publish": "maybe"}, "ollama_publish must be true or false, got 'maybe'"),
        ({"ollama_models": [{"name": "Llama3.2:3b"}, {"name": "llama3.2:3b"}]}, "names a model more than once"),
        ({"ollama_models": [{"name": "x", "state": "gone"}]}, "state must be present or absent"),
        ({"ollama_models_path": "models"}, "ollama_models_path must be empty or an absolute path"),
        ({"ollama_models_path": "/srv/../etc"}, "ollama_models_path must be empty or an absolute path"),
        ({"ollama_install_method": "native", "ollama_native_listen": "0.0.0.0:11434"}, "never a wildcard"),
        (
            {"ollama_install_method": "native", "ollama_native_listen": "gateway:11434"},
            "ollama_native_listen must be IP:port",
        ),
        ({"ollama_install_method": "native", "ollama_native_url": ""}, "needs ollama_native_url"),
        ({"ollama_models": [{"name": "qwen2.5:32b"}]}, "do not fit"),
    ],
)
def test_bad_inputs_are_errors_naming_the_variable(changes, message):
    errors = ollama(**changes)["errors"]
    assert any(message in e for e in errors), errors


def test_a_model_set_too_large_warns_when_asked():
    out = ollama(ollama_models=[{"name": "qwen2.5:32b"}], ollama_vram_overcommit="warn")
    assert out["errors"] == []
    assert "do not fit" in out["warnings"][0]


def test_every_error_is_reported_at_once():
    out = ollama(ollama_port="x", ollama_publish="true", ollama_models_path="rel")
    assert len(out["errors"]) == 3


def test_without_a_gpu_it_runs_on_the_cpu_or_fails_when_required():
    assert ollama(gpus=[])["gpu_mode"] == "cpu"
    assert "no usable GPU found" in ollama(gpus=[])["notices"][0]
    # NVIDIA without the container toolkit: CPU in a container, GPU natively.
    assert ollama(toolkit=False)["gpu_mode"] == "cpu"
    assert "no NVIDIA container toolkit" in ollama(toolkit=False)["notices"][0]
    assert ollama(toolkit=False, ollama_install_method="native")["gpu_mode"] == "nvidia"
    errors = ollama(gpus=[], ollama_require_gpu="true")["errors"]
    assert errors and errors[0].startswith("ollama_require_gpu is true but Ollama would run on the CPU")


@pytest.mark.parametrize("fixture", ["rx6700xt_rocm430.json", "rx6700xt_rocm602.json"])
def test_native_on_the_recorded_rx6700xt(fixture):
    out = ollama(
        gpus=amd(fixture), toolkit=False, ollama_install_method="native", ollama_models=[{"name": "qwen2.5:0.5b"}]
    )
    assert out["errors"] == []
    assert out["gpu_mode"] == "rocm"
    assert out["env"]["HSA_OVERRIDE_GFX_VERSION"] == "10.3.0"
    assert "OLLAMA_FLASH_ATTENTION" not in out["env"] or out["env"]["OLLAMA_FLASH_ATTENTION"] == "true"
    assert out["native_listen"] == "172.30.0.1:11434"
    assert (out["native_host"], out["native_port"]) == ("172.30.0.1", "11434")
    assert [a["url"].rsplit("/", 1)[1] for a in out["native_archives"]] == [
        "ollama-linux-amd64.tgz",
        "ollama-linux-amd64-rocm.tgz",
    ]
    # Natively there is no container to size.
    assert out["memory"] is None


def test_nvidia_native_gets_no_rocm_archive():
    out = ollama(toolkit=False, ollama_install_method="native")
    assert len(out["native_archives"]) == 1


def test_unplanned_models_are_noticed_and_api_metadata_plans_them():
    out = ollama(ollama_models=[{"name": "my-own-model:7b"}])
    assert out["unplanned"] == ["my-own-model:7b"]
    assert "not in the VRAM catalog" in out["notices"][0]


def test_models_auto_adds_the_largest_that_fits():
    out = ollama(ollama_models=[], ollama_models_auto=["qwen2.5-coder"])
    assert out["errors"] == []
    assert [m["name"] for m in out["auto"]["models"]] == [m["name"] for m in out["models"]]
    assert out["models"] and out["models"][0]["name"].startswith("qwen2.5-coder:")
    assert out["auto"]["messages"]


def test_comfyui_pipeline_is_part_of_the_plan_only_when_given():
    assert ollama()["workloads"][-1] == "sdxl"
    assert "sdxl" not in ollama(comfyui_pipeline=None)["workloads"]


def test_catalog_sizes_cover_the_present_catalog_models_only():
    out = ollama()
    assert sorted(out["catalog_sizes"]) == ["llama3.2:3b", "qwen2.5:0.5b"]
    assert all(v > 0 for v in out["catalog_sizes"].values())


@pytest.mark.parametrize(
    ("fs_line", "needed", "message"),
    [
        ("ok /srv 100000000000", 5_000_000_000, ""),
        ("ok /srv 1000000000", 5_000_000_000, "has 1.0 GB free, the planned models a need 5.0 GB"),
        ("notdir /srv/file 0", 0, "cannot be created: /srv/file is not a directory"),
        ("readonly /mnt 0", 0, "cannot be created: /mnt is not writable"),
        ("ok /srv", 0, ""),
    ],
)
def test_models_room(fs_line, needed, message):
    error = s.models_room_error("ollama_models_path", "/srv/models", fs_line, needed, ["a"])
    assert (message in error) if message else error == ""


def test_host_memory_from_the_fact_or_meminfo():
    assert s.host_mib(24000) == 24000
    assert s.host_mib("MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 24000
    assert s.host_mib("") is None


COMFYUI_DEFAULTS = {
    "ai_stack_storage_root": "/srv/cold-storage",
    "ai_stack_bind_address": "100.100.1.1",
    "container_port": 8188,
    # What the ollama role publishes for molecule/ai's ollama_models (the record's models).
    "vram_peer_models": [{"name": "llama3.2:3b"}, {"name": "qwen2.5:0.5b"}],
    "comfyui_extra_args": [],
    "comfyui_extra_env": {},
    "comfyui_publish": True,
    "comfyui_port": 8188,
    "comfyui_cpus": None,
    "comfyui_memory": None,
    "comfyui_pids_limit": 4096,
    "comfyui_cap_add": [],
    "comfyui_read_only": True,
    "comfyui_wait_timeout": 900,
    "comfyui_require_gpu": False,
    "comfyui_gpu_ids": None,
    "comfyui_vram_mode": None,
    "comfyui_reserve_vram_gb": None,
    "comfyui_vram_pipeline": "sdxl",
    "comfyui_models_path": "",
    "comfyui_models": [
        {
            "url": "file:///opt/ai-test-models/tiny-vae.safetensors",
            "dest": "vae",
            "checksum": "sha256:253f379238e4e13425b677baf73eed969ea8f1b131b0e924d58cf519f281a53d",
        }
    ],
    "comfyui_custom_nodes": [{"repository": "/opt/ai-test-nodes/standin-node", "version": "v1.0.0"}],
    "comfyui_purge_data": False,
    "comfyui_models_progress_interval": 10,
}


def test_both_roles_plan_the_same_split_through_the_published_record():
    """The ollama role writes __ollama_settings.vram_models to the host; the comfyui role
    reads it back: both plans are the same, with ollama_models_auto's choices too."""
    for changes in ({}, {"ollama_models_auto": ["qwen2.5-coder"]}):
        o = ollama(**changes)
        assert o["errors"] == [], o["errors"]
        record = json.loads(json.dumps({"models": o["vram_models"]}))
        c = comfyui(vram_peer_models=record["models"])
        assert c["errors"] == []
        assert c["plan"] == o["plan"]
    assert [m["name"] for m in ollama()["vram_models"]] == ["llama3.2:3b", "qwen2.5:0.5b"]
    alone = comfyui(vram_peer_models=[])
    assert alone["plan"] != comfyui()["plan"]


@pytest.mark.parametrize(("given", "value", "error"), [("0", 0, None), ("30", 30, None), (-1, None, "at least 0")])
def test_comfyui_models_progress_interval_from_the_command_line(given, value, error):
    out = comfyui(comfyui_models_progress_interval=given)
    if error:
        assert any("comfyui_models_progress_interval must be at least 0" in e for e in out["errors"]), out["errors"]
    else:
        assert out["errors"] == [] and out["models_progress_interval"] == value


def comfyui(gpus=None, toolkit=True, memory=24000, probe=None, **changes):
    return s.comfyui_settings(
        dict(COMFYUI_DEFAULTS, **changes), gpus if gpus is not None else nvidia(RTX3060), toolkit, memory, probe=probe
    )


def test_the_molecule_ai_comfyui_gets_the_plans_flags():
    gpus = nvidia(RTX3060)
    expected = plan(["llama3.2:3b", "qwen2.5:0.5b", "sdxl"], gpus)["comfyui"]
    out = comfyui()
    assert out["errors"] == []
    assert out["vram_mode"] == expected["vram_mode"]
    assert out["args"][:5] == ["--listen", "0.0.0.0", "--port", "8188", "--" + expected["vram_mode"]]
    if expected["reserve_vram_gb"] is not None:
        assert out["args"][5:7] == ["--reserve-vram", str(expected["reserve_vram_gb"])]
    assert out["gpu_ids"] == [gpus[0]["uuid"]]
    assert out["nodes"] == [
        {
            "repository": "/opt/ai-test-nodes/standin-node",
            "version": "v1.0.0",
            "state": "present",
            "name": "standin-node",
        }
    ]
    assert out["downloads"][0]["filename"] == "tiny-vae.safetensors"
    assert out["model_dirs"] == ["checkpoints", "controlnet", "embeddings", "loras", "vae"]


def test_comfyui_on_the_cpu_gets_cpu_and_no_reserve():
    out = comfyui(gpus=[], comfyui_reserve_vram_gb="2")
    assert out["args"][4] == "--cpu"
    assert "--reserve-vram" not in out["args"]
    assert "runs with --cpu" in out["notices"][0]


def test_comfyui_strings():
    out = comfyui(
        comfyui_publish="false",
        comfyui_read_only="false",
        comfyui_pids_limit="100",
        comfyui_extra_args="--preview-method,auto",
    )
    assert out["errors"] == []
    assert (out["publish"], out["read_only"], out["pids_limit"]) == (False, False, 100)
    assert out["args"][-2:] == ["--preview-method", "auto"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"comfyui_models": [{"url": "s3://x/y", "dest": "vae", "checksum": "sha256:ab"}]},
            "url must be http(s), ftp or file",
        ),
        (
            {"comfyui_models": [{"url": "https://x/y", "dest": "vae", "checksum": "ab"}]},
            "checksum must be algorithm:hex",
        ),
        (
            {"comfyui_models": [{"url": "https://x/y", "dest": "../x", "checksum": "md5:ab"}]},
            "dest must be a folder under models/",
        ),
        (
            {"comfyui_models": [{"url": "https://x/y", "dest": "vae", "checksum": "md5:ab", "filename": "a/b"}]},
            "filename may not contain",
        ),
        ({"comfyui_custom_nodes": [{"repository": "not a url"}]}, "repository must be"),
        ({"comfyui_custom_nodes": [{"repository": "/a/n", "state": "gone"}]}, "state must be present or absent"),
        ({"comfyui_custom_nodes": [{"repository": "/a/n", "version": "v 1"}]}, "version must be a tag"),
        (
            {"comfyui_custom_nodes": [{"repository": "/a/n"}, {"repository": "/b/n.git"}]},
            "more than one entry installs into n",
        ),
        ({"comfyui_publish": "true", "ai_stack_bind_address": ""}, "comfyui_publish is true"),
        ({"comfyui_require_gpu": "yes"}, None),
        ({"comfyui_models_path": "rel/path"}, "comfyui_models_path must be empty or an absolute path"),
    ],
)
def test_comfyui_bad_inputs(changes, message):
    errors = comfyui(**changes)["errors"]
    if message is None:
        assert errors == []
    else:
        assert any(message in e for e in errors), errors


def test_node_records_name_the_requirements_and_the_image():
    results = [
        {"item": {"name": "a"}, "stat": {"exists": True, "checksum": "0" * 64}},
        {"item": {"name": "b"}, "stat": {"exists": False}},
    ]
    records = s.node_records(results, "img:1")
    assert len(records) == 1 and records[0].startswith("a-" + "0" * 64 + "-")
    assert s.record_node(records[0]) == "a"
    assert s.node_records(results, "img:2") != records


def test_probe_result_is_what_the_settings_filters_check(tmp_path):
    models = tmp_path / "ai" / "ollama" / "models"
    probe, _warnings = _ai_probe.probe(str(models), ollama_library_wanted=True)
    # Room enough on the test's file system for two small models (a few GB) is not certain:
    # a huge free space is given explicitly to isolate the check.
    roomy = dict(probe, models_fs=f"ok {tmp_path} {10**15}")
    assert ollama(ai_stack_storage_root=str(tmp_path), probe=roomy)["errors"] == []
    tight = dict(probe, models_fs=f"ok {tmp_path} 1000")
    errors = ollama(ai_stack_storage_root=str(tmp_path), probe=tight)["errors"]
    assert len(errors) == 1 and errors[0].startswith(f"ollama_models_path: {models} has 0.0 GB free")
    assert "llama3.2:3b, qwen2.5:0.5b" in errors[0]
    # Pulled models need no room.
    for name in ("llama3.2/3b", "qwen2.5/0.5b"):
        (models / _ai_probe.OLLAMA_LIBRARY / name).parent.mkdir(parents=True, exist_ok=True)
        (models / _ai_probe.OLLAMA_LIBRARY / name).write_text("{}")
    probe, _warnings = _ai_probe.probe(str(models), ollama_library_wanted=True)
    assert (
        ollama(ai_stack_storage_root=str(tmp_path), probe=dict(probe, models_fs=f"ok {tmp_path} 1000"))["errors"] == []
    )
    # A probe of another path is never taken as this one's.
    errors = ollama(ai_stack_storage_root="/srv/other", probe=roomy)["errors"]
    assert errors == [
        f"ollama_models_path: /srv/other/ai/ollama/models could not be checked (the probe read {str(models)!r})"
    ]
    (tmp_path / "file").write_text("x")
    c_probe, _warnings = _ai_probe.probe(str(tmp_path / "file" / "models"))
    errors = comfyui(comfyui_models_path=str(tmp_path / "file" / "models"), probe=c_probe)["errors"]
    assert errors == [
        f"comfyui_models_path: {tmp_path / 'file' / 'models'} cannot be created: {tmp_path / 'file'} is not a directory"
    ]
    c_probe, _warnings = _ai_probe.probe(str(tmp_path / "ai" / "comfyui" / "models"))
    assert comfyui(ai_stack_storage_root=str(tmp_path), probe=c_probe)["errors"] == []


def test_the_renamed_pipeline_is_an_error_naming_both_variables():
    errors = comfyui(comfyui_vram_pipeline_renamed="true", comfyui_port="x")["errors"]
    assert errors[0].startswith("comfyui_vram_pipeline is now the stack-wide ai_stack_vram_comfyui_pipeline")
    assert len(errors) == 2
    assert comfyui(comfyui_vram_pipeline_renamed=False)["errors"] == []


def test_the_vram_record_is_current_only_when_the_probe_read_it_as_it_would_be_written():
    """The ollama role skips the write of its VRAM record when the probe read it back unchanged."""
    path = "/var/lib/ai-stack/vram/ollama.json"
    probe = {"models_dir": "/srv/cold-storage/ai/ollama/models", "models_fs": "ok /srv 1000000000000", "records": {}}
    written = ollama(probe=probe)
    assert written["errors"] == [] and written["vram_record_current"] is False
    # What the role writes (to_nice_json), read back by the probe on the next run.
    probe["records"] = {path: json.loads(json.dumps(written["vram_record"]))}
    assert ollama(probe=probe)["vram_record_current"] is True
    # Another model set, a record edited by hand, or a missing one (null): written again.
    assert ollama(probe=probe, ollama_models=[{"name": "llama3.2:3b"}])["vram_record_current"] is False
    probe["records"] = {path: {"models": []}}
    assert ollama(probe=probe)["vram_record_current"] is False
    probe["records"] = {path: None}
    assert ollama(probe=probe)["vram_record_current"] is False


def test_comfyui_keeps_the_users_folders_on_the_host_and_makes_them_before_it_starts():
    out = comfyui(comfyui_app_dir="/root/ComfyUI", comfyui_models=[])
    assert out["home"] == "/root"
    assert {m["host"]: m["container"] for m in out["mounts"]} == {
        "output": "/root/ComfyUI/output",
        "input": "/root/ComfyUI/input",
        "custom_nodes": "/root/ComfyUI/custom_nodes",
        "user": "/root/ComfyUI/user",
        "data": "/root/ComfyUI/user/default",
        "local": "/root/.local",
        "cache": "/root/.cache",
        "user-scripts": "/root/user-scripts",
    }
    paths = [d["path"] for d in out["data_dirs"]]
    assert paths[0] == "."
    assert set(paths) == {".", "data/workflows", *(m["host"] for m in out["mounts"])} | {
        "models/" + d for d in ("checkpoints", "vae", "loras", "controlnet", "embeddings")
    }
    other = comfyui(comfyui_app_dir="/opt/app/ComfyUI")
    assert other["home"] == "/opt/app" and other["mounts"][5] == {"host": "local", "container": "/opt/app/.local"}
    assert "models/" + COMFYUI_DEFAULTS["comfyui_models"][0]["dest"] in [d["path"] for d in other["data_dirs"]]


def test_node_record_files_leave_exactly_the_wanted_records():
    d = "/srv/cold-storage/ai/comfyui/local/.homelab-ai-stack-nodes"
    files = s.node_record_files(["a-1", "b-2"], ["b-2", "c-3"], d, "img:1")
    assert files == [
        {"dest": d, "state": "directory"},
        {"dest": f"{d}/a-1", "content": "installed by homelab.ai_stack with img:1\n"},
        {"dest": f"{d}/c-3", "state": "absent"},
    ]
    assert s.node_record_files(["a-1"], ["a-1"], d, "img:1") == [{"dest": d, "state": "directory"}]


@pytest.mark.parametrize(
    ("found", "listen", "refused"),
    [
        (None, "", False),
        ("", "", False),
        ("172.30.0.1", "", False),
        ("172.30.9.1", "", True),
        ("172.30.9.1", "172.30.9.1:11434", False),
    ],
)
def test_native_ollama_refuses_a_stack_network_whose_gateway_is_not_the_planned_address(found, listen, refused):
    """The probe read the network's gateway (null: no network yet, the role creates it)."""
    probe = {
        "models_dir": "/srv/cold-storage/ai/ollama/models",
        "models_fs": "ok /srv 1000000000000",
        "network_gateway": found,
    }
    out = ollama(
        probe=probe,
        ollama_install_method="native",
        ollama_native_listen=listen,
        ai_stack_docker_subnet="172.30.0.0/24",
        ai_stack_docker_network="self-hosted",
    )
    messages = [e for e in out["errors"] if "has gateway" in e]
    assert bool(messages) == refused, out["errors"]
    if refused:
        assert messages == [
            "The Docker network self-hosted has gateway 172.30.9.1, not 172.30.0.1 (the first address of "
            "ai_stack_docker_subnet); set ollama_native_listen to <gateway>:11434."
        ]


def test_a_converged_compose_host_has_no_write_path_due():
    """The ollama role includes its write paths (apply.yml) only when ``writes`` is true or the compose read
    differs: a host whose VRAM record reads back as written, without models, models path or native method."""
    path = "/var/lib/ai-stack/vram/ollama.json"
    probe = {"models_dir": "/srv/cold-storage/ai/ollama/models", "models_fs": "ok /srv 1000000000000", "records": {}}
    first = ollama(probe=probe, ollama_models=[])
    assert first["errors"] == [] and first["writes"] is True  # the record is not there yet
    probe["records"] = {path: json.loads(json.dumps(first["vram_record"]))}
    converged = ollama(probe=probe, ollama_models=[])
    assert converged["writes"] is False and converged["replan"] is False
    # Each of these makes a write path due, as the tasks it guards ran before.
    assert ollama(probe=probe)["writes"] is True  # models not pulled yet (the probe listed none)
    assert ollama(probe=probe, ollama_models=[], ollama_models_path="/srv/models")["writes"] is True
    assert ollama(probe=probe, ollama_models=[], ollama_install_method="native", toolkit=False)["writes"] is True


def test_a_replan_is_due_for_uncatalogued_models_with_the_api_read_on():
    out = ollama(ollama_models=[{"name": "my-own-model:7b"}])
    assert out["replan"] is True and out["writes"] is True
    assert ollama(ollama_models=[{"name": "my-own-model:7b"}], ollama_vram_read_api="false")["replan"] is False
    assert ollama()["replan"] is False  # every model is in the catalog
    # Never after an error: the role stops first.
    assert ollama(ollama_models=[{"name": "my-own-model:7b"}], ollama_port="0")["replan"] is False


def test_messages_are_the_notices_the_auto_choices_and_the_warnings():
    cpu = ollama(gpus=[])
    assert cpu["messages"] == cpu["notices"] and "CPU mode" in cpu["messages"][0]
    auto = ollama(ollama_models=[], ollama_models_auto=["qwen2.5-coder"])
    assert auto["messages"] == auto["auto"]["messages"] and auto["messages"]
    big = [{"name": n} for n in ("llama3.1:70b", "qwen2.5:32b")]
    warned = ollama(ollama_models=big, ollama_vram_overcommit="warn")
    assert warned["messages"] == [f"WARNING: {w}" for w in warned["warnings"]] and warned["messages"]
    assert ollama()["messages"] == []
    # With an error the plan stops early (no auto choices): still a list the role's assert can show.
    assert ollama(ollama_port="0")["messages"] == []


def test_comfyui_write_paths_are_due_with_models_a_models_path_or_nodes():
    assert comfyui()["writes"] is True
    assert comfyui(comfyui_models=[], comfyui_custom_nodes=[])["writes"] is False
    assert comfyui(comfyui_models=[], comfyui_custom_nodes=[], comfyui_models_path="/srv/m")["writes"] is True
    assert comfyui(comfyui_custom_nodes=[])["writes"] is True


def _pulled(tmp_path, *names):
    """ai_host_probe's listing of a models directory where ``names`` (name/tag) were pulled."""
    models = tmp_path / "models"
    for name in names:
        (models / _ai_probe.OLLAMA_LIBRARY / name).parent.mkdir(parents=True, exist_ok=True)
        (models / _ai_probe.OLLAMA_LIBRARY / name).write_text("{}")
    return _ai_probe.probe(str(models), ollama_library_wanted=True)[0]["ollama_library"]


@pytest.mark.parametrize(
    ("pulled", "models", "in_place"),
    [
        # molecule/ai's set: two present, tinyllama absent.
        (["llama3.2/3b", "qwen2.5/0.5b"], None, True),
        (["llama3.2/3b"], None, False),  # qwen2.5:0.5b deleted by hand: pulled again
        (["llama3.2/3b", "qwen2.5/0.5b", "tinyllama/latest"], None, False),  # tinyllama to delete
        (["llama3.2/3b", "qwen2.5/0.5b", "tinyllama/1.1b"], None, True),  # another tag of it stays
        (["llama3.2/latest"], [{"name": "llama3.2"}], True),  # no tag: latest
        (["llama3.2/latest"], [{"name": "registry.ollama.ai/library/Llama3.2:latest"}], True),
        (["llama3.2/3b"], [{"name": "llama3.2"}], False),
        # Other registries and namespaces: the module asks Ollama.
        ([], [{"name": "hf.co/bartowski/some-gguf:Q4_K_M", "state": "absent"}], False),
        ([], [{"name": "someone/model:7b", "state": "absent"}], False),
        ([], [{"name": "bad name", "state": "absent"}], False),
        ([], [], True),
    ],
)
def test_models_are_in_place_by_the_probes_listing(tmp_path, pulled, models, in_place):
    library = _pulled(tmp_path, *pulled)
    wanted = OLLAMA_DEFAULTS["ollama_models"] if models is None else models
    assert s.models_in_place(wanted, library) is in_place


def test_a_host_with_the_models_in_place_skips_the_model_step(tmp_path):
    path = "/var/lib/ai-stack/vram/ollama.json"
    probe = {"models_dir": "/srv/cold-storage/ai/ollama/models", "models_fs": "ok /srv 1000000000000", "records": {}}
    probe["ollama_library"] = _pulled(tmp_path, "llama3.2/3b", "qwen2.5/0.5b")
    probe["records"] = {path: json.loads(json.dumps(ollama(probe=probe)["vram_record"]))}
    out = ollama(probe=probe)
    assert out["models_in_place"] is True and out["writes"] is False
    probe["ollama_library"] = probe["ollama_library"][:1]
    assert ollama(probe=probe)["writes"] is True
    assert ollama()["models_in_place"] is False  # no probe: nothing is known
