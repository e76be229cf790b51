# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight of the ollama and comfyui roles as plain functions.

The roles hand their inputs over as a dict (vars/main.yml, one key per
variable, named as the variable); every function here returns plain data:
the inputs converted (``-e name=value`` gives strings), the list of errors
(each names its variable), notices, the GPU mode, the VRAM plan and the
settings the templates write. Nothing here touches the host.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import posixpath
import re

from ansible_collections.homelab.ai_stack.plugins.module_utils._ai_probe import missing_models
from ansible_collections.homelab.ai_stack.plugins.module_utils._gpu import hsa_override_env
from ansible_collections.homelab.ai_stack.plugins.module_utils._inputs import bool_word, list_input
from ansible_collections.homelab.ai_stack.plugins.module_utils._limits import LimitsError, memory_limit
from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import normalize_name
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram import (
    VramError,
    choose_models,
    models_from_api,
    plan,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import LLM_ALIASES, LLM_CATALOG

_REPOSITORY = re.compile(r"^((https?|ssh|git|file)://\S+|/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:\S+)$")
_NODE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_MODEL_URL = re.compile(r"^(https?|ftp|file)://")
_CHECKSUM = re.compile(r"^(sha256|sha512|sha1|md5):[0-9a-fA-F]+$")
_MODE_FLAGS = ("gpu-only", "highvram", "normalvram", "lowvram", "novram", "cpu")


class InputError(ValueError):
    """An input that cannot be converted; the message names the variable."""


def as_bool(value, name, allow_none=False):
    """A boolean input, also when given as a string (``-e name=false``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = bool_word(value) if isinstance(value, str) else None
    if word is not None:
        if allow_none and value.strip().lower() in ("", "none", "null"):
            return None
        return word
    if allow_none and isinstance(value, str) and value.strip().lower() in ("none", "null"):
        return None
    raise InputError(f"{name} must be true or false, got {value!r}")


def as_int(value, name, allow_none=False, minimum=None):
    """A whole-number input, also when given as a string."""
    if value is None or (allow_none and isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        if allow_none:
            return None
        raise InputError(f"{name} must be a whole number, got None")
    if isinstance(value, bool):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise InputError(f"{name} must be at least {minimum}, got {number}")
    return number


def as_float(value, name, allow_none=False, minimum=None):
    """A number input, also when given as a string."""
    if value is None or (allow_none and isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        if allow_none:
            return None
        raise InputError(f"{name} must be a number, got None")
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise InputError(f"{name} must be at least {minimum}, got {number}")
    return int(number) if number.is_integer() else number


def as_list(value, name, allow_none=False):
    """A list input; a string is read as JSON (``[...]``) or as comma-separated items."""
    if allow_none and (value is None or (isinstance(value, str) and value.strip().lower() in ("none", "null"))):
        return None
    try:
        return list_input(value)
    except ValueError as exc:
        raise InputError(f"{name} must be a list: {exc}") from None


def as_dict(value, name):
    """A dict input; a string is read as JSON."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise InputError(f"{name} must be a dict, got the string {value!r} (not JSON)") from None
    if not isinstance(value, dict):
        raise InputError(f"{name} must be a dict, got {type(value).__name__}")
    return dict(value)


def _convert(inputs, spec, errors):
    """inputs converted by spec {name: (kind, options)}; failures go to errors."""
    out = {}
    for name, (kind, options) in spec.items():
        try:
            out[name] = kind(inputs.get(name), name, **options)
        except InputError as exc:
            errors.append(str(exc))
            out[name] = None
    return out


def catalog_sizes():
    """{model name: bytes} for every name the VRAM catalog knows (aliases too)."""
    sizes = {name: entry.get("size_bytes", 0) for name, entry in LLM_CATALOG.items()}
    for alias, target in LLM_ALIASES.items():
        sizes[alias] = sizes[target]
    return sizes


def present_models(models):
    """The entries of an ollama_models list that should be present."""
    return [m for m in models if isinstance(m, dict) and str(m.get("state") or "present") == "present"]


def vram_workloads(models, pipeline=None):
    """The VRAM plan's workloads: each present model the catalog knows (or with a
    ``vram`` entry), plus ComfyUI's pipeline when there is one."""
    known = catalog_sizes()
    out = []
    for model in present_models(models):
        if model.get("vram"):
            out.append(dict(model["vram"], name=model["name"]))
        elif model.get("name") in known:
            out.append(model["name"])
    if pipeline:
        out.append(pipeline)
    return out


def unplanned_models(models):
    """Present models neither the catalog nor a ``vram`` entry describes."""
    known = catalog_sizes()
    return [m["name"] for m in present_models(models) if not m.get("vram") and m.get("name") not in known]


def gpu_mode(gpus, toolkit, native=False):
    """('nvidia'|'rocm'|'cpu', the GPUs the plan uses). NVIDIA in a container
    needs the container toolkit; natively only the driver."""
    gpus = [g for g in gpus or [] if isinstance(g, dict)]
    nvidia = [g for g in gpus if g.get("vendor") == "nvidia"]
    amd = [g for g in gpus if g.get("vendor") == "amd"]
    if nvidia and (toolkit or native):
        return "nvidia", nvidia
    if amd:
        return "rocm", amd
    return "cpu", []


def cpu_reason(gpus):
    """Why a service runs on the CPU, for the notice."""
    if any(isinstance(g, dict) and g.get("vendor") == "nvidia" for g in gpus or []):
        return "NVIDIA GPU found but no NVIDIA container toolkit"
    return "no usable GPU found"


def models_path_errors(value, name, default_dir):
    """The models path must be empty or absolute without '..' (and not /)."""
    path = value or default_dir
    if (value and not value.startswith("/")) or ".." in value.split("/") or path.rstrip("/") == "":
        return [f"{name} must be empty or an absolute path without '..' (not /); got {value!r}"]
    return []


def models_room_error(name, path, fs_line, needed_bytes=0, missing=()):
    """The error for a models path that cannot be created or is too small, or ''.

    ``fs_line`` is ``ok|notdir|readonly <nearest existing dir> <free bytes>``
    (the role's shell probe).
    """
    parts = (fs_line or "").split()
    if len(parts) < 2:
        return f"{name}: {path} could not be checked (probe said {fs_line!r})"
    state, nearest = parts[0], parts[1]
    if state != "ok":
        what = "not a directory" if state == "notdir" else "not writable"
        return f"{name}: {path} cannot be created: {nearest} is {what}"
    free = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    if free is not None and free < needed_bytes:
        return (
            f"{name}: {path} has {free / 1e9:.1f} GB free, the planned models "
            f"{', '.join(missing)} need {needed_bytes / 1e9:.1f} GB"
        )
    return ""


def host_mib(value):
    """The host's memory in MiB: a number (ansible_facts['memtotal_mb']) or the text of /proc/meminfo."""
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return int(value)
    match = re.search(r"^MemTotal:\s+([0-9]+)", str(value), re.M)
    return int(match.group(1)) // 1024 if match else None


def _plan(workloads, gpus, errors):
    try:
        return plan(workloads, gpus)
    except VramError as exc:
        errors.append(str(exc))
        return None


def _first_host(subnet):
    try:
        return str(next(ipaddress.ip_network(str(subnet), strict=False).hosts()))
    except (ValueError, StopIteration):
        return ""


def _listen_error(listen):
    host, _sep, port = listen.rpartition(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    return bool(address is None or not port.isdigit() or address.is_unspecified)


OLLAMA_INPUTS = {
    "ollama_publish": (as_bool, {}),
    "ollama_port": (as_int, {"minimum": 1}),
    "ollama_cpus": (as_float, {"allow_none": True, "minimum": 0}),
    "ollama_pids_limit": (as_int, {"minimum": 1}),
    "ollama_cap_add": (as_list, {}),
    "ollama_read_only": (as_bool, {}),
    "ollama_wait_timeout": (as_int, {"minimum": 1}),
    "ollama_require_gpu": (as_bool, {}),
    "ollama_gpu_ids": (as_list, {"allow_none": True}),
    "ollama_max_loaded_models": (as_int, {"allow_none": True, "minimum": 1}),
    "ollama_num_parallel": (as_int, {"allow_none": True, "minimum": 1}),
    "ollama_flash_attention": (as_bool, {"allow_none": True}),
    "ollama_context_length": (as_int, {"allow_none": True, "minimum": 1}),
    "ollama_extra_env": (as_dict, {}),
    "ollama_models": (as_list, {}),
    "ollama_models_auto": (as_list, {}),
    "ollama_models_auto_allow_cpu_offload": (as_bool, {}),
    "ollama_vram_read_api": (as_bool, {}),
    "ollama_pull_retries": (as_int, {"minimum": 0}),
    "ollama_pull_retry_delay": (as_int, {"minimum": 0}),
    "ollama_pull_timeout": (as_int, {"minimum": 1}),
    "ollama_purge_data": (as_bool, {}),
}


def _ollama_models(models, errors):
    out = []
    for pos, model in enumerate(models):
        if isinstance(model, str):
            model = {"name": model}
        if not isinstance(model, dict) or not str(model.get("name") or "").strip():
            errors.append(f"ollama_models[{pos}] must be a dict with a name, got {model!r}")
            continue
        state = str(model.get("state") or "present")
        if state not in ("present", "absent"):
            errors.append(f"ollama_models[{pos}] ({model['name']}): state must be present or absent, got {state!r}")
        out.append(dict(model, name=str(model["name"]).strip(), state=state))
    names = [m["name"].lower() for m in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        errors.append(
            "ollama_models names a model more than once (names compare case-insensitively): " + ", ".join(twice)
        )
    return out


def probe_room_error(name, path, probe, sizes=None):
    """The error of a models path by the role's probe (module ai_host_probe), or ''.

    ``sizes``: catalog sizes of the planned models; those not pulled yet
    (by the probe's ``ollama_library``) must fit in the free space.
    """
    probe = probe if isinstance(probe, dict) else {}
    if probe.get("models_dir") != path:
        return f"{name}: {path} could not be checked (the probe read {probe.get('models_dir')!r})"
    sizes = sizes or {}
    missing = missing_models(list(sizes), probe.get("ollama_library") or [])
    return models_room_error(name, path, probe.get("models_fs"), sum(int(sizes[m] or 0) for m in missing), missing)


def ollama_settings(inputs, gpus=None, toolkit=False, host_memory_mib=None, show_results=None, tags=None, probe=None):
    """Everything the ollama role decides before it changes anything.

    ``inputs``: the role's variables by name (plus ``ai_stack_*`` settings it
    reads and ``comfyui_pipeline``, ComfyUI's workload on this host or None).
    ``show_results``/``tags``: what a running Ollama said about uncatalogued
    models (/api/show results registered by the role, /api/tags), or None.
    Besides the settings: ``messages`` (what the role says: the notices,
    ollama_models_auto's choices, the warnings), ``replan`` (models the catalog
    lacks are to be counted with a running Ollama's metadata),
    ``models_in_place`` (:func:`models_in_place` by the probe's listing) and
    ``writes`` (a write path is due whatever the read of the compose project
    says: the VRAM record differs, a replan, the native method, a models path
    of its own, models not in place). A converged compose host has neither.
    """
    out = _ollama_settings(inputs, gpus, toolkit, host_memory_mib, show_results, tags, probe)
    out["models_in_place"] = probe is not None and models_in_place(out["models"], probe.get("ollama_library"))
    auto = out.get("auto") or {}
    out["messages"] = out["notices"] + list(auto.get("messages") or []) + [f"WARNING: {w}" for w in out["warnings"]]
    out["replan"] = not out["errors"] and bool(out.get("vram_read_api")) and bool(out.get("unplanned"))
    out["writes"] = bool(
        out["replan"]
        or not out.get("vram_record_current")
        or out["install_method"] == "native"
        or str(inputs.get("ollama_models_path") or "")
        or not out["models_in_place"]
    )
    return out


def models_in_place(models, library):
    """Whether each of ``models`` is as its state wants by the probe's listing of the models directory.

    ``library``: ai_host_probe's ``ollama_library`` (``name`` and ``name/tag``
    under ``manifests/registry.ollama.ai/library``, where Ollama keeps a pulled
    model's manifest; /api/tags lists the same files). A model of another
    registry or namespace, or a name the module would refuse, is never in place
    here: the ollama_model module asks Ollama itself. No models: in place.
    """
    have = {str(entry).lower() for entry in library or []}
    for model in models or []:
        try:
            name = normalize_name(model.get("name"))
        except (AttributeError, ValueError):
            return False
        if "/" in name:
            return False
        if (name.replace(":", "/", 1) in have) != (model.get("state", "present") == "present"):
            return False
    return True


def _ollama_settings(inputs, gpus, toolkit, host_memory_mib, show_results, tags, probe):
    """:func:`ollama_settings` without ``messages``, ``replan`` and ``writes``."""
    errors, notices, warnings = [], [], []
    values = _convert(inputs, OLLAMA_INPUTS, errors)
    method = str(inputs.get("ollama_install_method") or "compose")
    native = method == "native"
    models = _ollama_models(values["ollama_models"] or [], errors)
    storage_root = str(inputs.get("ai_stack_storage_root") or "")
    models_path = str(inputs.get("ollama_models_path") or "")
    models_dir = models_path or f"{storage_root}/ai/ollama/models"
    errors += models_path_errors(models_path, "ollama_models_path", models_dir)
    if values["ollama_publish"] and not str(inputs.get("ai_stack_bind_address") or ""):
        errors.append(
            "ollama_publish is true but ai_stack_bind_address is empty: set ai_stack_bind_address or "
            "ai_stack_tailscale_interface (the address to publish on)"
        )
    subnet = str(inputs.get("ai_stack_docker_subnet") or "")
    gateway = _first_host(subnet)
    listen = str(inputs.get("ollama_native_listen") or "") or f"{gateway}:{values['ollama_port']}"
    if native:
        if not str(inputs.get("ollama_native_url") or ""):
            errors.append("ollama_install_method native needs ollama_native_url (the release archive to install)")
        if _listen_error(listen):
            errors.append(
                f"ollama_native_listen must be IP:port of one address, never a wildcard, got {listen!r} "
                f"(empty means the stack network's gateway, {gateway or 'from ai_stack_docker_subnet'}, "
                "which only the stack's containers reach)"
            )
        found = (probe or {}).get("network_gateway")
        if not str(inputs.get("ollama_native_listen") or "") and found not in (None, "", gateway):
            errors.append(
                f"The Docker network {inputs.get('ai_stack_docker_network')} has gateway {found}, not {gateway} "
                "(the first address of ai_stack_docker_subnet); set ollama_native_listen to "
                f"<gateway>:{values['ollama_port']}."
            )
    mode, plan_gpus = gpu_mode(gpus, toolkit, native)
    if values["ollama_require_gpu"] and mode == "cpu":
        names = ", ".join(str(g.get("name")) for g in gpus or [] if isinstance(g, dict)) or "none"
        errors.append(
            f"ollama_require_gpu is true but Ollama would run on the CPU: GPUs found: {names}; NVIDIA container "
            f"toolkit: {bool(toolkit)}. Install the driver and the toolkit (homelab.ai_stack.nvidia) or set "
            "ollama_require_gpu false."
        )
    elif mode == "cpu":
        notices.append(
            f"Ollama runs in CPU mode ({cpu_reason(gpus)}); models will be slow. "
            "Set ollama_require_gpu to make this an error."
        )
    out = {
        "errors": errors,
        "notices": notices,
        "warnings": warnings,
        "gpu_mode": mode,
        "plan_gpus": plan_gpus,
        "install_method": method,
        "models": models,
        "models_dir": models_dir,
        "native_gateway": gateway,
        "native_listen": listen,
        "native_host": listen.rpartition(":")[0],
        "native_port": listen.rpartition(":")[2],
    }
    out.update({name[len("ollama_") :]: value for name, value in values.items() if name != "ollama_models"})
    if errors:
        return out
    if show_results:
        try:
            models = models_from_api(models, show_results, tags)
        except VramError as exc:
            errors.append(str(exc))
            return out
    pipeline = inputs.get("comfyui_pipeline") or None
    workloads = vram_workloads(models, pipeline)
    auto = {"models": [], "messages": []}
    if values["ollama_models_auto"]:
        try:
            auto = choose_models(
                values["ollama_models_auto"],
                plan_gpus,
                workloads=workloads,
                allow_cpu_offload=values["ollama_models_auto_allow_cpu_offload"],
            )
        except VramError as exc:
            errors.append(f"ollama_models_auto: {exc}")
            return out
        listed = {m["name"] for m in models}
        added = [m for m in auto["models"] if m["name"] not in listed]
        models = models + added
        workloads = vram_workloads(models, pipeline)
    unplanned = unplanned_models(models)
    if unplanned:
        notices.append(
            f"{', '.join(unplanned)} are not in the VRAM catalog, so the plan does not count them; "
            "give each a `vram` entry (a vram_estimate workload) to plan them."
        )
    # What the comfyui role reads back from the host (the record the role writes).
    out["vram_models"] = [
        {k: m[k] for k in ("name", "vram") if m.get(k)} for m in present_models(models) if m.get("name")
    ]
    # The role writes the record only when the probe did not read it back as it is.
    out["vram_record"] = {"models": out["vram_models"]}
    out["vram_record_current"] = out["vram_record"] in ((probe or {}).get("records") or {}).values()
    the_plan = _plan(workloads, plan_gpus, errors)
    if the_plan is None:
        return out
    if not the_plan["fits"]:
        needed = sum(p["total_mib"] for p in the_plan["placements"])
        budget = sum(g["budget_mib"] for g in the_plan["gpus"])
        where = ", ".join(g["name"] for g in the_plan["gpus"]) or "no usable GPU"
        text = (
            f"The VRAM plan says the workloads do not fit: {needed} MiB needed of {budget} MiB on {where} "
            f"(would run partly from system RAM: {', '.join(the_plan['cpu_offload']) or 'nothing'}). "
            + " ".join(the_plan["messages"])
        )
        if str(inputs.get("ollama_vram_overcommit") or "fail") == "fail":
            errors.append(text + " Remove models from ollama_models or set ollama_vram_overcommit to warn.")
        else:
            warnings.append(text)
    tuned = the_plan["ollama"]
    # Hand-set values win. OLLAMA_FLASH_ATTENTION only when on: false would
    # override Ollama's own per-model default (fs/ggml/ggml.go at v0.12.10).
    chosen = {
        "OLLAMA_MAX_LOADED_MODELS": values["ollama_max_loaded_models"],
        "OLLAMA_NUM_PARALLEL": values["ollama_num_parallel"],
        "OLLAMA_FLASH_ATTENTION": values["ollama_flash_attention"],
        "OLLAMA_KV_CACHE_TYPE": inputs.get("ollama_kv_cache_type") or None,
        "OLLAMA_CONTEXT_LENGTH": values["ollama_context_length"],
    }
    planned = {
        "OLLAMA_MAX_LOADED_MODELS": tuned.get("max_loaded_models"),
        "OLLAMA_NUM_PARALLEL": tuned.get("num_parallel"),
        "OLLAMA_FLASH_ATTENTION": True if tuned.get("flash_attention") else None,
        "OLLAMA_KV_CACHE_TYPE": tuned.get("kv_cache_type"),
        "OLLAMA_CONTEXT_LENGTH": tuned.get("context_length"),
    }
    env = {}
    for key, value in chosen.items():
        value = planned[key] if value is None else value
        if value is not None:
            env[key] = value
    if inputs.get("ollama_keep_alive") not in (None, ""):
        env["OLLAMA_KEEP_ALIVE"] = inputs["ollama_keep_alive"]
    if mode == "rocm":
        env.update(hsa_override_env(gpus))
    env.update(values["ollama_extra_env"] or {})
    env = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in env.items()}
    gpu_ids = values["ollama_gpu_ids"]
    if gpu_ids is None:
        gpu_ids = tuned.get("gpu_uuids") or []
    memory = inputs.get("ollama_memory") or None
    if memory is None and method == "compose" and host_memory_mib:
        try:
            memory = memory_limit(the_plan, "ollama", host_memory_mib, mode)
        except LimitsError as exc:
            errors.append(str(exc))
    archives = [
        {"url": str(inputs.get("ollama_native_url") or ""), "checksum": inputs.get("ollama_native_checksum") or ""}
    ]
    if mode == "rocm" and inputs.get("ollama_native_rocm_url"):
        archives.append(
            {"url": str(inputs["ollama_native_rocm_url"]), "checksum": inputs.get("ollama_native_rocm_checksum") or ""}
        )
    sizes = catalog_sizes()
    out.update(
        {
            "models": models,
            "present_names": [m["name"] for m in present_models(models)],
            "catalog_sizes": {m["name"]: sizes[m["name"]] for m in present_models(models) if m["name"] in sizes},
            "auto": {"models": auto["models"], "messages": auto["messages"]},
            "workloads": workloads,
            "unplanned": unplanned,
            "plan": the_plan,
            "env": env,
            "gpu_ids": [str(g) for g in gpu_ids],
            "memory": memory,
            "native_archives": archives,
        }
    )
    if probe is not None and not errors:
        room = probe_room_error("ollama_models_path", models_dir, probe, out["catalog_sizes"])
        errors += [room] if room else []
    return out


COMFYUI_INPUTS = {
    "comfyui_extra_args": (as_list, {}),
    "comfyui_extra_env": (as_dict, {}),
    "comfyui_publish": (as_bool, {}),
    "comfyui_port": (as_int, {"minimum": 1}),
    "comfyui_cpus": (as_float, {"allow_none": True, "minimum": 0}),
    "comfyui_pids_limit": (as_int, {"minimum": 1}),
    "comfyui_cap_add": (as_list, {}),
    "comfyui_read_only": (as_bool, {}),
    "comfyui_wait_timeout": (as_int, {"minimum": 1}),
    "comfyui_require_gpu": (as_bool, {}),
    "comfyui_gpu_ids": (as_list, {"allow_none": True}),
    "comfyui_reserve_vram_gb": (as_float, {"allow_none": True, "minimum": 0}),
    "comfyui_models": (as_list, {}),
    "comfyui_models_progress_interval": (as_int, {"minimum": 0}),
    "comfyui_custom_nodes": (as_list, {}),
    "comfyui_purge_data": (as_bool, {}),
}


# What the user owns, kept on the host: host folder -> path in the container
# ({app}: comfyui_app_dir, {home}: the image's home, its VOLUME). data/ holds the
# workflows and UI settings of the default user (the seed's data/). The rest of
# the application lives in a volume named after the image.
COMFYUI_USER_MOUNTS = (
    ("output", "{app}/output"),
    ("input", "{app}/input"),
    ("custom_nodes", "{app}/custom_nodes"),
    ("user", "{app}/user"),
    ("data", "{app}/user/default"),
    ("local", "{home}/.local"),
    ("cache", "{home}/.cache"),
    ("user-scripts", "{home}/user-scripts"),
)


def comfyui_mounts(app_dir):
    """The image's home (the parent of ``app_dir``) and the user's bind mounts (host folder, container path)."""
    app = str(app_dir or "/root/ComfyUI")
    home = posixpath.dirname(app)
    return home, [{"host": host, "container": path.format(app=app, home=home)} for host, path in COMFYUI_USER_MOUNTS]


def custom_nodes(nodes, errors):
    """comfyui_custom_nodes with defaults filled in; problems go to errors."""
    out = []
    for pos, node in enumerate(nodes):
        if not isinstance(node, dict):
            errors.append(f"comfyui_custom_nodes[{pos}] must be a dict with a repository, got {node!r}")
            continue
        repo = str(node.get("repository") or "")
        default_name = re.sub(r"\.git$", "", repo.rstrip("/").rsplit("/", maxsplit=1)[-1].rsplit(":", maxsplit=1)[-1])
        entry = {
            "repository": repo,
            "version": str(node.get("version") or "HEAD"),
            "state": str(node.get("state") or "present"),
            "name": str(node.get("name") or default_name),
        }
        label = f"comfyui_custom_nodes[{pos}] ({entry['name'] or repo or '?'})"
        if not _REPOSITORY.match(repo):
            errors.append(
                f"{label}: repository must be an https/ssh/git/file URL, an absolute path or "
                f"user@host:path, got {repo!r}"
            )
        if not _NODE_NAME.match(entry["name"]):
            errors.append(f"{label}: name must be a folder name (letters, digits, . _ -), got {entry['name']!r}")
        if entry["state"] not in ("present", "absent"):
            errors.append(f"{label}: state must be present or absent, got {entry['state']!r}")
        if re.search(r"\s", entry["version"]):
            errors.append(f"{label}: version must be a tag, branch or commit, got {entry['version']!r}")
        out.append(entry)
    names = [n["name"] for n in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        errors.append("comfyui_custom_nodes: more than one entry installs into " + ", ".join(twice))
    return out


def model_downloads(models, errors):
    """comfyui_models checked, with the file name each is saved as."""
    out = []
    for pos, model in enumerate(models):
        if not isinstance(model, dict):
            errors.append(f"comfyui_models[{pos}] must be a dict with url, dest and checksum, got {model!r}")
            continue
        url = str(model.get("url") or "")
        dest = str(model.get("dest") or "")
        filename = str(model.get("filename") or url.split("?", maxsplit=1)[0].rstrip("/").rsplit("/", maxsplit=1)[-1])
        label = f"comfyui_models[{pos}] ({url or '?'})"
        if not _MODEL_URL.match(url):
            errors.append(f"{label}: url must be http(s), ftp or file")
        if not _CHECKSUM.match(str(model.get("checksum") or "")):
            errors.append(f"{label}: checksum must be algorithm:hex (sha256:..., sha512, sha1, md5)")
        if not dest or dest.startswith("/") or ".." in dest.split("/"):
            errors.append(f"{label}: dest must be a folder under models/ (relative, no '..'), got {dest!r}")
        if not filename or "/" in filename:
            errors.append(f"{label}: filename may not contain '/', got {filename!r}")
        out.append({"url": url, "dest": dest, "checksum": str(model.get("checksum") or ""), "filename": filename})
    return out


def comfyui_settings(inputs, gpus=None, toolkit=False, host_memory_mib=None, probe=None):
    """Everything the comfyui role decides before it changes anything.

    ``inputs``: the role's variables by name, the ``ai_stack_*`` settings it
    reads (``comfyui_vram_pipeline`` is ``ai_stack_vram_comfyui_pipeline``), and
    ``vram_peer_models``: the models Ollama's plan counted on this host (the record
    the ollama role writes, [] when it does not run here), so that both roles
    reach the same VRAM plan.
    """
    errors, notices = [], []
    if as_bool(inputs.get("comfyui_vram_pipeline_renamed") or False, "comfyui_vram_pipeline_renamed"):
        errors.append(
            "comfyui_vram_pipeline is now the stack-wide ai_stack_vram_comfyui_pipeline (the ollama role "
            "plans with it too): rename it in the inventory."
        )
    values = _convert(inputs, COMFYUI_INPUTS, errors)
    storage_root = str(inputs.get("ai_stack_storage_root") or "")
    models_path = str(inputs.get("comfyui_models_path") or "")
    models_dir = models_path or f"{storage_root}/ai/comfyui/models"
    errors += models_path_errors(models_path, "comfyui_models_path", models_dir)
    downloads = model_downloads(values["comfyui_models"] or [], errors)
    nodes = custom_nodes(values["comfyui_custom_nodes"] or [], errors)
    if values["comfyui_publish"] and not str(inputs.get("ai_stack_bind_address") or ""):
        errors.append(
            "comfyui_publish is true but ai_stack_bind_address is empty: set ai_stack_bind_address or "
            "ai_stack_tailscale_interface (the address to publish on)"
        )
    vram_mode = inputs.get("comfyui_vram_mode") or None
    if vram_mode is not None and vram_mode not in _MODE_FLAGS:
        errors.append(f"comfyui_vram_mode must be one of {', '.join(_MODE_FLAGS)} or null, got {vram_mode!r}")
    mode, plan_gpus = gpu_mode(gpus, toolkit)
    if values["comfyui_require_gpu"] and mode == "cpu":
        names = ", ".join(str(g.get("name")) for g in gpus or [] if isinstance(g, dict)) or "none"
        errors.append(
            f"comfyui_require_gpu is true but ComfyUI would run on the CPU: GPUs found: {names}; NVIDIA container "
            f"toolkit: {bool(toolkit)}. Install the driver and the toolkit (homelab.ai_stack.nvidia) or set "
            "comfyui_require_gpu false."
        )
    elif mode == "cpu":
        notices.append(
            f"ComfyUI runs with --cpu ({cpu_reason(gpus)}); image generation will be very slow. "
            "Set comfyui_require_gpu to make this an error."
        )
    home, mounts = comfyui_mounts(inputs.get("comfyui_app_dir"))
    model_dirs = sorted({"checkpoints", "vae", "loras", "controlnet", "embeddings"} | {d["dest"] for d in downloads})
    out = {
        "errors": errors,
        "notices": notices,
        "gpu_mode": mode,
        "models_dir": models_dir,
        "downloads": downloads,
        "model_dirs": model_dirs,
        "home": home,
        "mounts": mounts,
        # The data directories below the data root, made before ComfyUI starts (compose_project's directories).
        "data_dirs": [{"path": p} for p in [".", *(m["host"] for m in mounts), "data/workflows"]]
        + [{"path": "models/" + d} for d in model_dirs],
        "nodes": nodes,
        "nodes_present": [n for n in nodes if n["state"] == "present"],
        "nodes_absent": [n for n in nodes if n["state"] == "absent"],
        # A write path is due whatever the read of the compose project says: a models path of its own,
        # files of comfyui_models to check, custom nodes to make match.
        "writes": bool(models_path or downloads or nodes),
    }
    out.update({name[len("comfyui_") :]: value for name, value in values.items()})
    if errors:
        return out
    ollama_models = []
    try:
        ollama_models = [
            m if isinstance(m, dict) else {"name": m}
            for m in as_list(inputs.get("vram_peer_models"), "the models Ollama's plan counted")
        ]
    except InputError as exc:
        errors.append(str(exc))
    pipeline = inputs.get("comfyui_vram_pipeline") or None
    the_plan = _plan(vram_workloads(ollama_models, pipeline), plan_gpus, errors)
    if the_plan is None:
        return out
    planned = the_plan.get("comfyui") or {}
    chosen_mode = "cpu" if mode == "cpu" else (vram_mode or planned.get("vram_mode") or "normalvram")
    reserve = values["comfyui_reserve_vram_gb"]
    if reserve is None:
        reserve = planned.get("reserve_vram_gb")
    port = str(inputs.get("container_port") or 8188)
    args = ["--listen", "0.0.0.0", "--port", port, "--" + chosen_mode]
    if reserve is not None and mode != "cpu":
        args += ["--reserve-vram", str(reserve)]
    args += [str(a) for a in values["comfyui_extra_args"] or []]
    gpu_ids = values["comfyui_gpu_ids"]
    if gpu_ids is None:
        gpu_ids = planned.get("gpu_uuids") or []
    memory = inputs.get("comfyui_memory") or None
    if memory is None and host_memory_mib:
        try:
            memory = memory_limit(the_plan, "comfyui", host_memory_mib, mode)
        except LimitsError as exc:
            errors.append(str(exc))
    out.update(
        {
            "plan": the_plan,
            "vram_mode": chosen_mode,
            "vram_mode_from": "hand-set values" if vram_mode is not None else "the VRAM plan",
            "args": args,
            "gpu_ids": [str(g) for g in gpu_ids],
            "memory": memory,
        }
    )
    # comfyui_models carry no sizes: no free-space sum (a download fails with ENOSPC instead).
    if probe is not None and not errors:
        room = probe_room_error("comfyui_models_path", models_dir, probe)
        errors += [room] if room else []
    return out


def node_records(stat_results, image):
    """The record names of the custom nodes' requirements: ``<node>-<sha256 of
    requirements.txt>-<12 hex of the image's hash>``, for each registered stat
    result (loop over the present nodes) whose requirements.txt exists."""
    tag = hashlib.sha256(str(image).encode()).hexdigest()[:12]
    out = []
    for result in stat_results or []:
        stat = (result or {}).get("stat") or {}
        item = (result or {}).get("item") or {}
        if stat.get("exists") and stat.get("checksum") and item.get("name"):
            out.append(f"{item['name']}-{stat['checksum']}-{tag}")
    return out


def node_record_files(wanted, found, record_dir, image):
    """The ``homelab.ai_stack.files`` entries that make the records folder hold exactly ``wanted``:
    the folder, a record per newly installed requirements, and the removal of the other records."""
    wanted, found = list(wanted or []), list(found or [])
    content = f"installed by homelab.ai_stack with {image}\n"
    return (
        [{"dest": record_dir, "state": "directory"}]
        + [{"dest": f"{record_dir}/{r}", "content": content} for r in wanted if r not in found]
        + [{"dest": f"{record_dir}/{r}", "state": "absent"} for r in found if r not in wanted]
    )


def record_node(record):
    """The node name of a record name."""
    return re.sub(r"-[0-9a-f]{64}-[0-9a-f]{12}$", "", str(record))
