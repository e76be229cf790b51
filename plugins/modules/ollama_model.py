#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_model
short_description: Make one model present on or absent from an Ollama server
version_added: 0.1.0
description:
  - Reads the models an Ollama server holds (C(/api/tags), then C(/api/show) to resolve other spellings of a name)
    and pulls (streamed C(/api/pull)) or deletes (C(/api/delete)) one model to match O(state).
  - Reports C(changed) only when it pulled or deleted a model.
  - A pull that drops half way, or that Ollama reports as a transient failure, is retried; Ollama resumes the
    partial download. A name the registry does not know fails at once with Ollama's own message.
  - Talks to the API over HTTP with the Python standard library; nothing needs installing on the target.
  - A pull shows its progress while it runs. A module cannot print while it runs, so the collection's action plugin
    of the same name does it. It asks the module first whether a pull is needed (O(defer_pull)); only then it
    starts the module as an async job that writes its progress to a file on the target (O(progress_file)), reads
    that file every O(progress_interval) seconds and prints one line per model (percent, bytes, speed, time
    left), and one line when the pull ends. A run that pulls nothing costs the one module run it always did.
  - Check mode, C(--diff), an C(async) task and O(state=absent) run the module once, as before, without progress.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
extends_documentation_fragment:
  - homelab.ai_stack.attributes
attributes:
  check_mode:
    support: full
    details: Reads the model list and reports what a pull or a delete would change; never pulls or deletes.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  name:
    description:
      - The model, as C(ollama pull) takes it, for example V(llama3.1:8b) or V(qwen2.5:0.5b).
      - Without a tag Ollama uses V(latest);
        V(registry.ollama.ai/library/llama3) and V(llama3:latest) are the same model.
    type: str
    required: true
    aliases: [model]
  state:
    description:
      - V(present) pulls the model when the server does not have it; V(absent) deletes it when it does.
      - A model already present is not pulled again, so this never updates a tag that moved upstream.
    type: str
    choices: [present, absent]
    default: present
  api_url:
    description:
      - Base URL of the Ollama API.
    type: str
    default: http://127.0.0.1:11434
  timeout:
    description:
      - Seconds to wait for an answer to C(/api/tags), C(/api/show) and C(/api/delete).
    type: int
    default: 30
  pull_timeout:
    description:
      - Seconds a pull may go without a progress line before it counts as dropped (and is retried).
      - Verifying the digest of a large model can take minutes without a line.
    type: int
    default: 600
  pull_retries:
    description:
      - How many times a pull that failed in a retryable way is tried again.
    type: int
    default: 3
  pull_retry_delay:
    description:
      - Seconds to wait before retrying a pull.
    type: float
    default: 5.0
  insecure:
    description:
      - Passed to C(/api/pull); lets Ollama pull from a registry without valid TLS.
    type: bool
    default: false
  validate_certs:
    description:
      - Check the TLS certificate of O(api_url) when it is C(https).
    type: bool
    default: true
  progress_interval:
    description:
      - Seconds between two progress lines of a pull. V(0) turns the progress lines off.
    type: int
    default: 10
  defer_pull:
    description:
      - Internal, set by the action plugin. When a pull is needed, return C(pull_needed=true) without pulling.
    type: bool
    default: false
  progress_file:
    description:
      - Internal, set by the action plugin. File on the target the pull's progress is written to while it runs
        (JSON, replaced atomically); removed when the module ends.
    type: path
notes:
  - The role P(homelab.ai_stack.ollama#role) runs this once per entry of C(ollama_models), against the container's
    address on the Docker network, so the API needs no published port.
seealso:
  - name: Ollama API
    description: The REST API this module talks to.
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
"""

EXAMPLES = r"""
- name: Have llama3.1:8b on the server
  homelab.ai_stack.ollama_model:
    name: llama3.1:8b
    api_url: http://172.30.0.5:11434

- name: Remove a model nobody uses
  homelab.ai_stack.ollama_model:
    name: codellama:13b
    state: absent

- name: Pull over a flaky link
  homelab.ai_stack.ollama_model:
    name: qwen2.5:7b
    pull_retries: 10
    pull_retry_delay: 30
"""

RETURN = r"""
model:
  description: The name as Ollama stores it (tag added, default registry and namespace dropped, lower case).
  returned: always
  type: str
  sample: llama3.1:8b
action:
  description: What the module did (or would do in check mode).
  returned: always
  type: str
  choices: [none, pulled, deleted]
  sample: pulled
attempts:
  description: How many pull requests it took; 0 when nothing was pulled.
  returned: always
  type: int
  sample: 2
retried_errors:
  description: The errors of the pull attempts that were retried.
  returned: always
  type: list
  elements: str
  sample: ["pull llama3.1:8b: connection dropped after 1048576 of 4920734272 bytes (timed out)"]
pull:
  description: What the pull moved, for a summary. V(bytes) is the model's size as the pull reported it.
  returned: when a model was pulled, or a pull failed
  type: dict
  sample: {bytes: 4920734272, seconds: 131.4}
pull_needed:
  description: With O(defer_pull), true when the model must be pulled (nothing was pulled yet).
  returned: with O(defer_pull) when a pull is needed
  type: bool
  sample: true
statuses:
  description: The distinct status lines of the successful pull, in order.
  returned: when a model was pulled
  type: list
  elements: str
  sample: [pulling manifest, pulling 8eeb52dfb3bb, verifying sha256 digest, writing manifest, success]
details:
  description: The C(details) Ollama reports for the model (family, parameter size, quantization) when it is present.
  returned: when the model is present after the run (not in check mode before a pull)
  type: dict
  sample: {family: llama, parameter_size: 8.0B, quantization_level: Q4_K_M, format: gguf}
digest:
  description: The digest of the model's manifest, when present.
  returned: when the model is present after the run
  type: str
  sample: 46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e
size:
  description: Bytes the model takes on disk, when present.
  returned: when the model is present after the run
  type: int
  sample: 4920753328
version:
  description: The Ollama server version.
  returned: always
  type: str
  sample: 0.12.10
models:
  description: Every model the server holds after the run, as listed by C(/api/tags).
  returned: always
  type: list
  elements: str
  sample: [llama3.1:8b, qwen2.5:0.5b]
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils._ollama import (  # noqa: E402
    OllamaClient,
    OllamaError,
    find_model,
    normalize_name,
    pull_with_retries,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import (  # noqa: E402
    Progress as PullProgress,
)
from ansible_collections.homelab.ai_stack.plugins.module_utils._progress import (  # noqa: E402
    ProgressFile,
)


def _present_entry(client, models, name):
    """The /api/tags entry of ``name``; /api/show settles names tags spells otherwise."""
    entry = find_model(models, name)
    if entry is not None:
        return entry
    shown = client.show(name)
    if shown is None:
        return None
    return {"name": normalize_name(name), "details": shown.get("details") or {}}


def _facts(entry):
    facts = {"details": entry.get("details") or {}}
    if entry.get("digest"):
        facts["digest"] = entry["digest"]
    if entry.get("size") is not None:
        facts["size"] = entry["size"]
    return facts


def run(module, client):
    params = module.params
    name = params["name"]
    state = params["state"]
    result = {"changed": False, "model": normalize_name(name), "action": "none", "attempts": 0, "retried_errors": []}

    result["version"] = client.version()
    models = client.list_models()
    entry = _present_entry(client, models, name)
    before = {"model": result["model"], "present": entry is not None}

    if state == "present" and entry is None:
        result.update(changed=True, action="pulled")
        if params["defer_pull"] and not module.check_mode:
            result.update(changed=False, action="none", pull_needed=True)
            result["models"] = sorted(m.get("name") or m.get("model") for m in models)
            return result
        if not module.check_mode:
            progress = PullProgress(result["model"])
            tracker = ProgressFile(params["progress_file"], progress) if params["progress_file"] else None
            try:
                if tracker is not None:
                    tracker.write()
                statuses, attempts, errors = pull_with_retries(
                    client,
                    name,
                    retries=params["pull_retries"],
                    delay=params["pull_retry_delay"],
                    insecure=params["insecure"],
                    progress=tracker or progress,
                )
            except OllamaError as exc:
                snap = progress.snapshot()
                module.fail_json(
                    msg=exc.message,
                    model=result["model"],
                    attempts=getattr(exc, "attempts", 1),
                    retried_errors=getattr(exc, "errors", [])[:-1],
                    version=result["version"],
                    action="pulled",
                    pull={"bytes": snap["completed"], "seconds": snap["elapsed"]},
                )
            finally:
                if tracker is not None:
                    tracker.remove()
            snap = progress.snapshot()
            result.update(statuses=statuses, attempts=attempts, retried_errors=errors)
            result["pull"] = {"bytes": snap["total"] or snap["completed"], "seconds": snap["elapsed"]}
            models = client.list_models()
            entry = _present_entry(client, models, name)
            if entry is None:
                module.fail_json(
                    msg=f"Ollama reported success pulling {name} but does not list it afterwards", **result
                )
    elif state == "absent" and entry is not None:
        result.update(changed=True, action="deleted")
        if not module.check_mode:
            # Delete what Ollama listed, so another spelling of the name still matches.
            client.delete(entry.get("name") or name)
            models = client.list_models()
            entry = None

    if entry is not None:
        result.update(_facts(entry))
    result["models"] = sorted(m.get("name") or m.get("model") for m in models)
    after = {"model": result["model"], "present": state == "present"}
    result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True, "aliases": ["model"]},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "api_url": {"type": "str", "default": "http://127.0.0.1:11434"},
            "timeout": {"type": "int", "default": 30},
            "pull_timeout": {"type": "int", "default": 600},
            "pull_retries": {"type": "int", "default": 3},
            "pull_retry_delay": {"type": "float", "default": 5.0},
            "insecure": {"type": "bool", "default": False},
            "validate_certs": {"type": "bool", "default": True},
            "progress_interval": {"type": "int", "default": 10},
            "defer_pull": {"type": "bool", "default": False},
            "progress_file": {"type": "path"},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        normalize_name(params["name"])
    except ValueError as exc:
        module.fail_json(msg=f"name: {exc}")
    for option in ("timeout", "pull_timeout"):
        if params[option] <= 0:
            module.fail_json(msg=f"{option} must be a positive number of seconds, got {params[option]}")
    if params["pull_retries"] < 0 or params["pull_retry_delay"] < 0:
        module.fail_json(msg="pull_retries and pull_retry_delay must not be negative")
    if not params["api_url"].startswith(("http://", "https://")):
        module.fail_json(msg=f"api_url must start with http:// or https://, got {params['api_url']!r}")

    client = OllamaClient(
        params["api_url"],
        timeout=params["timeout"],
        pull_timeout=params["pull_timeout"],
        validate_certs=params["validate_certs"],
    )
    try:
        result = run(module, client)
    except OllamaError as exc:
        module.fail_json(msg=exc.message, model=normalize_name(params["name"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
