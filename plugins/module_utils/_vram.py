# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VRAM budgeting: how much GPU memory an Ollama model or a ComfyUI pipeline needs,
and where a set of them goes on the GPUs that gpu_facts found.

LLM sizes follow Ollama's analytic estimator as of v0.12.10 (llm/memory.go
``estimateGPULayers`` and fs/ggml/ggml.go ``GraphSize``, summarised in
shared/fixtures/ollama/ollama_memory_estimation.md), which is also what
``ollama ps`` reported as SIZE up to that release:

    total = weights (without token_embd when a separate output tensor exists)
          + KV cache + compute graph + 457 MiB minimum + one layer as a buffer
          + vision weights and vision graph (VisionGraphSize) for vision models

``ollama_layout`` replays estimateGPULayers over given free memory: layers
from the top, round-robin over the GPUs that still have room, each GPU paying
its own minimum, buffer and graph, a layer only placed where the larger of the
two graphs still fits. The plan, the multi-GPU split and the partial-offload
figures all come from it.

Diffusion sizes follow ComfyUI's comfy/model_management.py loading rule:
weights * 1.1 + max(minimum_inference_memory, ...) with 0.8 GiB + 400 MiB.

Plain functions, stdlib only: the filters call them on the controller and the
unit tests and the accuracy benchmark call them directly.
"""

from __future__ import annotations

import math

from ansible_collections.homelab.ai_stack.plugins.module_utils._vram_catalog import (
    DIFFUSION_ALIASES,
    DIFFUSION_CATALOG,
    LLM_ALIASES,
    LLM_CATALOG,
)

MIB = 1024 * 1024
GIB = 1024 * MIB

# ml/device.go MinimumMemory(): reserved on every GPU that holds layers.
OLLAMA_MINIMUM_MIB = 457
DEFAULT_NUM_CTX = 4096  # OLLAMA_CONTEXT_LENGTH default v0.6.7 .. v0.15.4
DEFAULT_NUM_PARALLEL = 1  # OLLAMA_NUM_PARALLEL default since v0.10.0
DEFAULT_NUM_BATCH = 512
KV_CACHE_TYPES = ("f16", "q8_0", "q4_0")
# kvCacheBytesPerElement in fs/ggml/ggml.go; real q8_0/q4_0 blocks are a
# little larger (34/32, 18/32 bytes) but the estimator rounds down and this
# module reproduces the estimator.
KV_BYTES_PER_ELEMENT = {"f16": 2.0, "q8_0": 1.0, "q4_0": 0.5}
# Architectures whose flash attention Ollama turns on by default (FlashAttention()).
FLASH_ATTENTION_DEFAULT_ARCHS = ("gemma3", "gptoss", "gpt-oss", "qwen3", "qwen3moe", "qwen3vl", "qwen3vlmoe")
# SupportsFlashAttention(): gemma2 is excluded by name.
FLASH_ATTENTION_UNSUPPORTED_ARCHS = ("gemma2",)
GEMMA3_GLOBAL_LAYER_EVERY = 6
# gpt-oss: even layers keep a 4096-token sliding window per slot.
GPTOSS_SLIDING_TOKENS = 4096
# mllama cross-attention layers: 1601 vision tokens x 4 tiles, f32.
MLLAMA_VISION_TOKENS = 1601
MLLAMA_TILES = 4
# server/sched.go forces one slot for these (encoder cache).
SINGLE_SLOT_ARCHS = ("mllama", "qwen3vl", "qwen3vlmoe")

# Bits per weight of ggml block types (block bytes * 8 / block elements).
_BPW = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.5625,
    "Q5_1": 6.0,
    "Q5_0": 5.5,
    "Q5_K": 5.5,
    "Q4_1": 5.0,
    "Q4_0": 4.5,
    "Q4_K": 4.5,
    "Q3_K": 3.4375,
    "Q2_K": 2.625,
}
# llama.cpp's quantizer stores token_embd in the file type's base block type
# and the output tensor as Q6_K for the 4/5-bit and K-quant types. Unknown
# file types subtract nothing for token_embd, which can only over-estimate.
_FILE_TYPE_TENSOR_TYPES = {
    "F32": ("F32", "F32"),
    "F16": ("F16", "F16"),
    "BF16": ("BF16", "BF16"),
    "Q8_0": ("Q8_0", "Q8_0"),
    "Q6_K": ("Q6_K", "Q6_K"),
    "Q5_K_M": ("Q5_K", "Q6_K"),
    "Q5_K_S": ("Q5_K", "Q6_K"),
    "Q5_1": ("Q5_1", "Q6_K"),
    "Q5_0": ("Q5_0", "Q6_K"),
    "Q4_K_M": ("Q4_K", "Q6_K"),
    "Q4_K_S": ("Q4_K", "Q6_K"),
    "Q4_1": ("Q4_1", "Q6_K"),
    "Q4_0": ("Q4_0", "Q6_K"),
    "Q3_K_L": ("Q3_K", "Q6_K"),
    "Q3_K_M": ("Q3_K", "Q6_K"),
    "Q3_K_S": ("Q3_K", "Q6_K"),
    "Q2_K": ("Q2_K", "Q6_K"),
}
# general.file_type (llama_ftype) as /api/show model_info reports it.
_FILE_TYPE_IDS = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    32: "BF16",
}

# ComfyUI comfy/model_management.py (Linux): EXTRA_RESERVED_VRAM 400 MiB,
# minimum_inference_memory() = 0.8 GiB + reserve, models loaded with 10 % slack.
COMFYUI_RESERVED_MIB = 400
COMFYUI_INFERENCE_MIB = 0.8 * 1024
COMFYUI_LOAD_FACTOR = 1.1
COMFYUI_LOWVRAM_MIN_WEIGHTS_MIB = 128
DIFFUSION_PRECISIONS = ("fp16", "fp8")
VRAM_MODES = ("gpu-only", "highvram", "normalvram", "lowvram", "novram", "cpu")

_REQUIRED_LLM_KEYS = ("architecture", "size_bytes", "block_count", "embedding_length", "head_count", "vocab_size")


class VramError(ValueError):
    """Bad workload or GPU input; ``field`` names what to fix."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _mib(n_bytes):
    return math.ceil(n_bytes / MIB)


def _int(value, field, minimum=None, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or value is None:
        raise VramError(field, f"must be an integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise VramError(field, f"must be an integer, got {value!r}")
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise VramError(field, f"must be an integer, got {value!r}") from None
    if not isinstance(value, int):
        raise VramError(field, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise VramError(field, f"must be >= {minimum}, got {value}")
    return value


def _bool(value, field, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    raise VramError(field, f"must be a boolean, got {value!r}")


def _per_layer(value, block_count, field, minimum):
    """Head counts may be one number or one per layer (hybrid models)."""
    if isinstance(value, (list, tuple)):
        if len(value) != block_count:
            raise VramError(field, f"has {len(value)} entries but block_count is {block_count}")
        return [_int(v, field, minimum=0) for v in value]
    return [_int(value, field, minimum=minimum)] * block_count


def normalize_quantization(value, field="quantization"):
    """'Q4_K_M', 'q4_k_m' or general.file_type 15 -> 'Q4_K_M'; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise VramError(field, "must be a quantization name like Q4_K_M or a file_type number")
    if isinstance(value, int):
        return _FILE_TYPE_IDS.get(value, f"file_type_{value}")
    return str(value).strip().upper()


def from_model_info(model_info, size_bytes=None, field="model_info"):
    """Flatten Ollama /api/show ``model_info`` (GGUF keys) into the flat keys.

    ``tokenizer.ggml.tokens`` is only expanded by /api/show with verbose=true,
    so the vocabulary may be missing: the caller then has to pass vocab_size.
    """
    if not isinstance(model_info, dict):
        raise VramError(field, "must be the dict /api/show returns as model_info")
    arch = model_info.get("general.architecture")
    if not arch:
        raise VramError(field + ".general.architecture", "is missing")
    flat = {"architecture": arch, "size_bytes": size_bytes}
    mapping = {
        "block_count": "block_count",
        "embedding_length": "embedding_length",
        "head_count": "attention.head_count",
        "head_count_kv": "attention.head_count_kv",
        "key_length": "attention.key_length",
        "value_length": "attention.value_length",
        "vocab_size": "vocab_size",
        "sliding_window": "attention.sliding_window",
        "context_length": "context_length",
    }
    for flat_key, gguf_key in mapping.items():
        value = model_info.get(f"{arch}.{gguf_key}")
        if value is not None:
            flat[flat_key] = value
    if "vocab_size" not in flat:
        tokens = model_info.get("tokenizer.ggml.tokens")
        if isinstance(tokens, list) and tokens:
            flat["vocab_size"] = len(tokens)
    if "general.file_type" in model_info:
        flat["quantization"] = model_info["general.file_type"]
    if "general.parameter_count" in model_info:
        flat["parameter_count"] = model_info["general.parameter_count"]
    cross = model_info.get(f"{arch}.attention.cross_attention_layers")
    if isinstance(cross, list):
        flat["cross_attention_layers"] = cross
    # SupportsFlashAttention(): a pooling_type key marks an embedding model.
    if f"{arch}.pooling_type" in model_info:
        flat["embedding"] = True
    vision = {}
    for key in ("image_size", "patch_size", "num_channels", "embedding_length", "max_num_tiles"):
        value = model_info.get(f"{arch}.vision.{key}")
        if value is not None:
            vision[key] = value
    heads = model_info.get(f"{arch}.vision.attention.head_count")
    if heads is not None:
        vision["head_count"] = heads
    if model_info.get(f"{arch}.vision.block_count") and {"image_size", "patch_size"} <= set(vision):
        # The vision weights are in the blob (size_bytes) but /api/show does not
        # list tensors: they stay in the repeating layers, the total is unchanged.
        vision.setdefault("num_channels", 3)
        flat["vision"] = vision
    # Ollama only writes output.weight-less (tied) models without this tensor;
    # /api/show does not list tensors by default, so tied-ness stays unknown
    # and the estimate keeps token_embd (over-estimates, never under).
    return flat


def _unknown_model(name):
    known = ", ".join(sorted(LLM_CATALOG))
    return (
        f"{name!r} is not in the built-in catalog, so its size cannot be estimated. Give it as a dict: "
        "either {model: NAME, model_info: <the model_info of POST /api/show>, size_bytes: <size from "
        "/api/tags>} (the ollama role reads both from a running Ollama when ollama_vram_read_api is true "
        "and the model is pulled), or the GGUF keys {model: NAME, architecture, size_bytes, block_count, "
        f"embedding_length, head_count, head_count_kv, vocab_size, quantization}}. Catalog: {known}"
    )


def resolve_llm(workload, field="workload"):
    """Return the model description (flat keys) for a workload dict or catalog name."""
    if isinstance(workload, str):
        name = LLM_ALIASES.get(workload.strip(), workload.strip())
        if name in LLM_CATALOG:
            meta = dict(LLM_CATALOG[name])
            meta["name"] = name
            return meta
        raise VramError(field, _unknown_model(name))
    if not isinstance(workload, dict):
        raise VramError(field, f"must be a catalog name or a dict, got {type(workload).__name__}")
    base = {}
    model = workload.get("model")
    if isinstance(model, str):
        model = LLM_ALIASES.get(model, model)
    if isinstance(model, str) and model in LLM_CATALOG:
        base = dict(LLM_CATALOG[model])
    elif model is not None and "model_info" not in workload and "architecture" not in workload:
        raise VramError(field + ".model", _unknown_model(model))
    if "model_info" in workload:
        size = workload.get("size_bytes", workload.get("size"))
        base.update(from_model_info(workload["model_info"], size_bytes=size, field=field + ".model_info"))
    for key, value in workload.items():
        if key in ("model_info", "size", "model") or value is None:
            continue
        base[key] = value
    base.setdefault("name", model if isinstance(model, str) else base.get("architecture", "llm"))
    return base


def _tensor_bytes(elements, block_type):
    return elements * _BPW[block_type] / 8.0


def estimate_llm(
    workload,
    num_ctx=None,
    num_parallel=None,
    kv_cache_type=None,
    flash_attention=None,
    num_batch=None,
    field="workload",
    clamp_context=True,
):
    """Ollama-style memory estimate of one model; returns a dict of MiB figures.

    Per-workload keys win over the arguments (which are the plan-wide defaults).
    """
    meta = resolve_llm(workload, field)
    for key in _REQUIRED_LLM_KEYS:
        if meta.get(key) in (None, ""):
            raise VramError(
                f"{field}.{key}",
                "is required for an LLM that is not in the catalog (architecture {!r})".format(
                    meta.get("architecture")
                ),
            )
    arch = str(meta["architecture"]).strip().lower()
    size_bytes = _int(meta["size_bytes"], field + ".size_bytes", minimum=1)
    blocks = _int(meta["block_count"], field + ".block_count", minimum=1)
    emb = _int(meta["embedding_length"], field + ".embedding_length", minimum=1)
    vocab = _int(meta["vocab_size"], field + ".vocab_size", minimum=1)
    heads_l = _per_layer(meta["head_count"], blocks, field + ".head_count", minimum=1)
    heads_kv_l = _per_layer(meta.get("head_count_kv", meta["head_count"]), blocks, field + ".head_count_kv", 1)
    heads = max(heads_l)
    heads_kv = max(heads_kv_l)
    if heads == 0:
        raise VramError(field + ".head_count", "no layer has attention heads")
    # EmbeddingHeadCountK/V default to embedding_length / head_count.
    key_len = _int(meta.get("key_length") or emb // heads, field + ".key_length", minimum=1)
    value_len = _int(meta.get("value_length") or emb // heads, field + ".value_length", minimum=1)

    ctx = _int(meta.get("num_ctx", num_ctx if num_ctx is not None else DEFAULT_NUM_CTX), field + ".num_ctx", 1)
    parallel = _int(
        meta.get("num_parallel", num_parallel if num_parallel is not None else DEFAULT_NUM_PARALLEL),
        field + ".num_parallel",
        1,
    )
    batch_opt = _int(meta.get("num_batch", num_batch or DEFAULT_NUM_BATCH), field + ".num_batch", 1)
    kv_req = meta.get("kv_cache_type", kv_cache_type) or "f16"
    kv_req = str(kv_req).strip().lower()
    if kv_req not in KV_CACHE_TYPES:
        raise VramError(
            field + ".kv_cache_type", "must be one of {}, got {!r}".format(", ".join(KV_CACHE_TYPES), kv_req)
        )
    fa_req = _bool(meta.get("flash_attention", flash_attention), field + ".flash_attention", allow_none=True)
    embedding = _bool(meta.get("embedding", False), field + ".embedding")

    notes = []
    # server/sched.go: embedding models, mllama and qwen3vl always get one slot.
    if parallel > 1 and (embedding or arch in SINGLE_SLOT_ARCHS):
        notes.append(f"Ollama runs {arch} {'embedding ' if embedding else ''}models with one slot, not {parallel}")
        parallel = 1
    # SupportsFlashAttention(): not for embedding models (pooling_type), not gemma2, K and V heads equal.
    fa_supported = not embedding and arch not in FLASH_ATTENTION_UNSUPPORTED_ARCHS and key_len == value_len
    fa = (fa_req if fa_req is not None else arch in FLASH_ATTENTION_DEFAULT_ARCHS) and fa_supported
    if fa_req and not fa_supported:
        notes.append(f"{arch} does not support flash attention; Ollama runs it without")
    # Ollama honours OLLAMA_KV_CACHE_TYPE only with flash attention on.
    kv_type = kv_req if fa else "f16"
    if kv_type != kv_req:
        notes.append(f"kv_cache_type {kv_req} needs flash attention; Ollama falls back to f16")
    context_length = meta.get("context_length")
    if context_length and ctx > _int(context_length, field + ".context_length", 1):
        if _bool(clamp_context, "clamp_context"):
            # llm/server.go NewLlamaServer (v0.12.10) lowers num_ctx to n_ctx_train.
            notes.append(
                f"num_ctx {ctx} exceeds the model's trained context {context_length}: Ollama uses {context_length}"
            )
            ctx = int(context_length)
        else:
            notes.append(f"num_ctx {ctx} exceeds the model's trained context {context_length}")

    ctx_total = ctx * parallel
    # GraphSize(NumCtx, min(NumCtx, NumBatch), ...): the batch is capped by one slot's context.
    batch = min(ctx, batch_opt)
    bpe = KV_BYTES_PER_ELEMENT[kv_type]

    cross_layers = set()
    if arch == "mllama":
        cross = meta.get("cross_attention_layers") or []
        if not isinstance(cross, (list, tuple)):
            raise VramError(field + ".cross_attention_layers", "must be a list of layer numbers")
        cross_layers = {_int(n, field + ".cross_attention_layers", minimum=0) for n in cross}
    kv = []
    for i in range(blocks):
        if heads_l[i] > 0 and heads_kv_l[i] > 0:
            tokens = ctx_total
            if arch == "gemma3" and (i + 1) % GEMMA3_GLOBAL_LAYER_EVERY != 0:
                window = _int(meta.get("sliding_window"), field + ".sliding_window", minimum=1)
                tokens = parallel * window + batch
            elif arch in ("gptoss", "gpt-oss") and i % 2 == 0:
                tokens = parallel * GPTOSS_SLIDING_TOKENS + batch
            layer_kv = tokens * (key_len + value_len) * heads_kv_l[i] * bpe
            if i in cross_layers:
                # Cross-attention layers hold the image tokens in f32: 1601 tokens x 4 tiles.
                layer_kv = heads_kv * (key_len + value_len) * 4 * MLLAMA_VISION_TOKENS * MLLAMA_TILES
            kv.append(layer_kv)
        else:
            # Recurrent layers without SSM metadata: nothing to add here.
            kv.append(0.0)
    kv_total = sum(kv)

    graph_partial, graph_full = _graph_size(arch, emb, heads, heads_kv, key_len, vocab, ctx_total, batch, kv_total)
    if arch in ("gptoss", "gpt-oss"):
        gqa = heads // max(min(h for h in heads_kv_l if h > 0), 1)
        graph_partial = 2 * gqa * kv_total / 6
        if fa:
            graph_partial = (4 * parallel + (ctx_total >> 10) + 110) * MIB
        graph_full = graph_partial
    if graph_partial == 0:
        # memory.go fallback for architectures GraphSize does not know.
        gqa = heads // max(min(h for h in heads_kv_l if h > 0), 1)
        graph_partial = gqa * kv_total / 6
    if graph_full == 0:
        graph_full = graph_partial

    vision_graph, vision_weights = _vision(meta, arch, field)
    projector = _int(meta.get("projector_bytes") or 0, field + ".projector_bytes", minimum=0)

    quant = normalize_quantization(meta.get("quantization"), field + ".quantization")
    embd_type, out_type = _FILE_TYPE_TENSOR_TYPES.get(quant, (None, None))
    tied = meta.get("tied_embeddings")
    tied = _bool(tied, field + ".tied_embeddings", allow_none=True)
    vocab_emb = vocab * emb
    # token_embd stays in system RAM when a separate output tensor exists
    # (only then); unknown -> keep it in, the safe direction.
    token_embd = _tensor_bytes(vocab_emb, embd_type) if (embd_type and tied is False) else 0.0
    weights = size_bytes - token_embd - vision_weights
    if weights <= 0:
        raise VramError(field + ".size_bytes", "is smaller than the token embedding and vision weights it holds")
    output = _tensor_bytes(vocab_emb, out_type) if out_type else 0.0
    # The output tensor's type is inferred from the file type; a guess must
    # not leave the repeating layers with nothing (tiny models, odd quants).
    output = min(output, weights / 2)
    layer_weights = (weights - output) / blocks
    layer_buffer = layer_weights + kv[0]
    # memoryLastLayer: output (or tied token_embd) + the vision tower and its
    # graph when they live in the model blob (Ollama engine models).
    last_layer = output + vision_weights + vision_graph

    layers_mib = [(layer_weights + k) / MIB for k in kv]
    total = OLLAMA_MINIMUM_MIB * MIB + layer_buffer + projector + sum(layer_weights + k for k in kv) + last_layer
    total_full = total + graph_full
    est = {
        "name": str(meta.get("name") or arch),
        "kind": "llm",
        "architecture": arch,
        "quantization": quant,
        # memory.required.full when the whole model sits on one GPU (ollama ps SIZE).
        "total_mib": _mib(total_full),
        # The same when only some layers fit: Ollama then counts the partial-offload graph.
        "total_partial_mib": _mib(total + graph_partial),
        # Free memory one GPU needs before Ollama loads every layer on it: each
        # layer is checked against the larger of the two graphs (llm/memory.go).
        "fit_mib": _mib(total + max(graph_full, graph_partial)) + 1,
        "weights_mib": _mib(weights + vision_weights + projector),
        "kv_cache_mib": _mib(kv_total),
        "graph_mib": _mib(graph_full),
        "graph_partial_mib": _mib(graph_partial),
        "projector_weights_mib": _mib(vision_weights + projector),
        "projector_graph_mib": _mib(vision_graph),
        "overhead_mib": OLLAMA_MINIMUM_MIB + _mib(layer_buffer),
        "minimum_mib": OLLAMA_MINIMUM_MIB,
        "layer_buffer_mib": _mib(layer_buffer),
        "block_count": blocks,
        "layer_mib": [round(size, 3) for size in layers_mib],
        "output_mib": round(output / MIB, 3),
        "last_layer_mib": round(last_layer / MIB, 3),
        "gpu0_mib": round(projector / MIB, 3),
        "num_ctx": ctx,
        "num_parallel": parallel,
        "kv_cache_type": kv_type,
        "flash_attention": fa,
        "flash_attention_supported": fa_supported,
        "notes": notes,
    }
    # Exact (unrounded) parts for ollama_layout; not part of the documented output.
    est["_parts"] = {
        "layers": layers_mib,
        "last": last_layer / MIB,
        "gpu0": projector / MIB,
        "buffer": layer_buffer / MIB,
        "graph_full": graph_full / MIB,
        "graph_partial": graph_partial / MIB,
    }
    return est


def _graph_size(arch, emb, heads, heads_kv, key_len, vocab, ctx, batch, kv_total):
    """GraphSize() in fs/ggml/ggml.go (v0.12.10): (partial, full) bytes; (0, 0) when unknown."""
    head_dim = emb // heads
    if arch in ("llama", "llama4", "mistral"):
        full = max(4 * batch * (1 + 4 * emb + ctx * (1 + heads)), 4 * batch * (emb + vocab))
        partial = 4 * batch * emb + max(
            4 * batch * (1 + emb + max(ctx, emb))
            + emb * emb * 9 / 16
            + 4 * ctx * (batch * heads + head_dim * heads_kv),
            4 * batch * (emb + vocab) + emb * vocab * 105 / 128,
        )
        return partial, full
    if arch == "mllama":
        full = max(4 * batch * (2 + 3 * emb + key_len * heads + ctx * (1 + heads)), 4 * batch * (emb + vocab))
        # rope_freqs is not in the GGUF header; its 64 elements are noise here.
        partial = max(
            4 * (batch * (2 * emb + 1 + ctx * (1 + heads) + key_len * heads) + key_len * ctx * heads_kv),
            4 * batch * (emb + vocab) + emb * vocab * 105 / 128,
        )
        return partial, full
    if arch in ("gemma", "gemma2", "gemma3", "gemma3n"):
        full = max(
            4 * batch * (emb + vocab),
            4 * batch * (2 + ctx + ctx * heads + 2 * emb + 2 * key_len * heads),
        )
        partial = max(
            4 * emb * batch + emb * vocab * 105 / 128 + 4 * vocab * batch,
            4 * batch * (2 * emb + 1 + 2 * key_len * heads + ctx + ctx * heads)
            + 4 * key_len * ctx * 8
            + emb * key_len * heads * 9 / 16,
        )
        if arch == "gemma3n":
            return partial * 4, full * 4
        return partial, full
    if arch == "command-r":
        full = max(4 * batch * (emb + vocab), 4 * batch * (2 + 4 * emb + ctx * (1 + heads)))
        partial = max(
            4 * batch * (emb + vocab) + emb * vocab * 105 / 128,
            4 * batch * (1 + 2 * emb + ctx * (1 + heads)) + 4 * emb * ctx + emb * emb * 9 / 16,
        )
        return partial, full
    if arch == "qwen2":
        full = max(4 * batch * (emb + vocab), 4 * batch * (1 + 2 * emb + ctx + ctx * heads))
        partial = max(
            4 * batch * (emb + vocab) + emb * vocab * 105 / 128,
            4 * (batch * (1 + 2 * emb + ctx * (1 + heads)) + emb * (1 + ctx)),
        )
        return partial, full
    if arch == "phi2":
        full = max(4 * batch * (emb + vocab), 4 * batch * (1 + 4 * emb + ctx + ctx * heads))
        partial = max(
            4 * batch * (2 * emb + vocab) + emb * vocab * 105 / 128,
            4 * batch * (2 + 3 * emb + ctx + ctx * heads),
        )
        return partial, full
    if arch == "stablelm":
        full = 4 * batch * (ctx * (1 + heads) + 3 * emb + 2)
        return max(4 * batch * (vocab + 2 * emb), full), full
    if arch == "deepseek2":
        full = max(
            4 * batch * (3 * emb + vocab),
            4 * batch * (3 * emb + 2 + ctx * (1 + heads_kv) + 2 * key_len * heads_kv),
        )
        partial = max(
            4 * batch * (3 * emb + vocab) + emb * vocab * 105 / 128,
            4 * batch * (2 * emb + 1 + 2 * key_len * heads_kv + ctx + ctx * heads_kv)
            + 4 * key_len * ctx * heads_kv
            + emb * key_len * heads_kv * 9 / 16,
        )
        return partial, full
    return 0, 0


def _vision(meta, arch, field):
    """VisionGraphSize() (fs/ggml/ggml.go v0.12.10): (graph bytes, in-blob vision weights bytes)."""
    vision = meta.get("vision")
    if vision is None:
        return 0.0, 0.0
    vfield = field + ".vision"
    if not isinstance(vision, dict):
        raise VramError(vfield, "must be a dict of the vision.* GGUF keys")
    weights = _int(vision.get("weights_bytes") or 0, vfield + ".weights_bytes", minimum=0)
    image = _int(vision.get("image_size"), vfield + ".image_size", 1)
    patch = _int(vision.get("patch_size"), vfield + ".patch_size", 1)
    channels = _int(vision.get("num_channels", 3), vfield + ".num_channels", 1)
    v_emb = _int(vision.get("embedding_length"), vfield + ".embedding_length", 1)
    v_heads = _int(vision.get("head_count"), vfield + ".head_count", 1)
    patches = (image // patch) ** 2
    if _bool(vision.get("class_embd", False), vfield + ".class_embd"):
        patches += 1
    if arch == "mllama":
        tiles = _int(vision.get("max_num_tiles", 4), vfield + ".max_num_tiles", 1)
        padded = patches + 8 - (patches % 8) % 8
        graph = 4 * (
            8
            + image * image * channels * tiles
            + v_emb * patches * tiles
            + 9 * v_emb * padded * tiles
            + padded * tiles * padded * tiles * v_heads
        )
    elif arch in ("gemma3", "mistral3"):
        graph = 4 * (image * image * channels + v_emb * patch + patches * patches * v_heads)
    elif arch == "qwen25vl":
        max_pixels = _int(vision.get("max_pixels", 28 * 28 * 1280), vfield + ".max_pixels", 1)
        n = max_pixels // (patch * patch)
        graph = 4 * (max_pixels * channels * 2 + n * channels * patch * patch + n * n * v_heads + v_emb * n)
    else:
        graph = 0
    return float(graph), float(weights)


def ollama_layout(estimate, rooms):
    """estimateGPULayers() of llm/memory.go (v0.12.10) over GPUs with the given free MiB.

    ``rooms`` is a list of (key, free_mib) in the order Ollama tries them (it
    sorts by free memory, largest first). Layers go from the top (n-1) down,
    round-robin over the GPUs that still have room (``gpusWithSpace[i%j]``);
    every GPU that takes layers pays its own minimum, one-layer buffer and
    graph; the first also holds a separate projector file. Returns a dict:
    allocations (MiB per key, like memory.required.allocations), layers per
    key (layers.split, the output layer counted), offload (layers.offload),
    overflow_mib (what stays in system RAM), total_mib (memory.required.full)
    and fully_loaded.
    """
    parts = estimate["_parts"] if "_parts" in estimate else _parts_from_rounded(estimate)
    layers = parts["layers"]
    blocks = len(layers)
    graph_partial = parts["graph_partial"]
    graph_full = parts["graph_partial"] if len(rooms) > 1 else parts["graph_full"]
    graph_max = max(graph_partial, graph_full)
    minimum = estimate["minimum_mib"]
    buffer = parts["buffer"]
    gpu0 = parts["gpu0"]
    alloc, counts, space = {}, {}, []
    for key, free in rooms:
        zero = gpu0 if not space else 0.0
        if free < zero + graph_max + minimum + 2 * buffer:
            continue
        space.append((key, free))
        alloc[key] = minimum + buffer
        counts[key] = 0
    overflow = 0.0
    if space:
        alloc[space[0][0]] += gpu0
    else:
        overflow += gpu0
    placed = 0
    for i in range(blocks - 1, -1, -1):
        size = layers[i]
        j = len(space)
        while j > 0:
            key, free = space[i % j]
            if free > alloc[key] + graph_max + size:
                alloc[key] += size
                counts[key] += 1
                placed += 1
                break
            del space[i % j]
            j -= 1
        if not space:
            overflow += size
    fully = placed >= blocks
    last = parts["last"]
    if last > 0:
        j = len(space)
        while j > 0:
            key, free = space[placed % j]
            if free > alloc[key] + graph_max + last:
                alloc[key] += last
                counts[key] += 1
                placed += 1
                break
            j -= 1
        if placed < blocks + 1:
            fully = False
            overflow += last
    for key in alloc:
        if counts[key] > 0:
            alloc[key] += graph_full if fully else graph_partial
    used = {key: alloc[key] for key, _free in rooms if counts.get(key)}
    return {
        "allocations": {key: math.ceil(mib) for key, mib in used.items()},
        "layers": {key: counts[key] for key in used},
        "offload": placed,
        "layers_model": blocks + 1,
        "overflow_mib": math.ceil(overflow) if used else estimate["total_mib"],
        "total_mib": math.ceil(sum(used.values()) + overflow) if used else estimate["total_mib"],
        "fully_loaded": bool(used) and fully,
    }


def _parts_from_rounded(estimate):
    """Layout parts for an estimate dict that went through a filter (no _parts)."""
    return {
        "layers": list(estimate["layer_mib"]),
        "last": estimate.get("last_layer_mib", estimate.get("output_mib", 0)),
        "gpu0": estimate.get("gpu0_mib", 0),
        "buffer": estimate["layer_buffer_mib"],
        "graph_full": estimate["graph_mib"],
        "graph_partial": estimate["graph_partial_mib"],
    }


def llm_partial(estimate, budget_mib):
    """One GPU with ``budget_mib`` free: (on_gpu_mib, on_cpu_mib, layers_on_gpu).

    layers count the output layer, as Ollama's layers.offload does. With
    nothing on the GPU the model runs from system RAM: on_cpu is then the
    full-offload total.
    """
    layout = ollama_layout(estimate, [("gpu", budget_mib)])
    if not layout["allocations"]:
        return 0, estimate["total_mib"], 0
    return layout["allocations"]["gpu"], layout["overflow_mib"], layout["offload"]


def llm_split(estimate, rooms, spread=False):
    """Where Ollama puts an LLM over several GPUs' free MiB.

    Like pickBestFullFitByLibrary: GPUs sorted by free memory, the fewest
    that hold every layer; when none do, all of them hold what they can
    (pickBestPartialFitByLibrary) and the rest stays in system RAM.
    ``spread`` is OLLAMA_SCHED_SPREAD: always all GPUs.
    Returns ([(key, mib, layers)], on_cpu_mib).
    """
    ordered = sorted(rooms, key=lambda r: -r[1])
    layout = None
    if not spread:
        for count in range(1, len(ordered) + 1):
            layout = ollama_layout(estimate, ordered[:count])
            if layout["fully_loaded"]:
                break
    if spread or not layout or not layout["fully_loaded"]:
        layout = ollama_layout(estimate, ordered)
    split = [
        (key, layout["allocations"][key], layout["layers"][key]) for key, _free in rooms if key in layout["layers"]
    ]
    return split, (layout["overflow_mib"] if split else estimate["total_mib"])


def resolve_diffusion(workload, field="workload"):
    """('sdxl', 'fp16', name) from 'sdxl', 'flux:fp8' or {'model': 'flux', 'precision': 'fp8'}."""
    precision = None
    name = None
    if isinstance(workload, str):
        model = workload
    elif isinstance(workload, dict):
        model = workload.get("model") or workload.get("name")
        precision = workload.get("precision")
        name = workload.get("name")
    else:
        raise VramError(field, "must be a name or a dict")
    if not isinstance(model, str):
        raise VramError(field + ".model", "must be one of {}".format(", ".join(sorted(DIFFUSION_CATALOG))))
    key = model.strip().lower()
    if ":" in key:
        key, _sep, tag = key.partition(":")
        precision = precision or tag
    key = DIFFUSION_ALIASES.get(key, key)
    if key not in DIFFUSION_CATALOG:
        raise VramError(
            field + ".model", "{!r} is not a known diffusion pipeline ({})".format(model, ", ".join(DIFFUSION_CATALOG))
        )
    precision = (precision or "fp16").strip().lower()
    if precision == "bf16":
        precision = "fp16"
    if precision not in DIFFUSION_PRECISIONS:
        raise VramError(
            field + ".precision", "must be one of {}, got {!r}".format(", ".join(DIFFUSION_PRECISIONS), precision)
        )
    return key, precision, name or (model if isinstance(workload, str) else key)


def is_diffusion(workload):
    if isinstance(workload, dict):
        if workload.get("kind") == "diffusion":
            return True
        if workload.get("kind") == "llm":
            return False
        workload = workload.get("model") or workload.get("name")
    if not isinstance(workload, str):
        return False
    key = workload.strip().lower().partition(":")[0]
    return DIFFUSION_ALIASES.get(key, key) in DIFFUSION_CATALOG


def estimate_diffusion(workload, field="workload"):
    """ComfyUI memory for one pipeline, at the three levels its VRAM modes use."""
    key, precision, name = resolve_diffusion(workload, field)
    components = {c: v[precision] for c, v in DIFFUSION_CATALOG[key]["components"].items()}
    weights = sum(components.values())
    inference = COMFYUI_INFERENCE_MIB + COMFYUI_RESERVED_MIB
    resident = COMFYUI_LOAD_FACTOR * weights + inference
    # normalvram swaps models in and out: the largest one must load whole.
    one_at_a_time = COMFYUI_LOAD_FACTOR * max(components.values()) + inference
    lowvram = COMFYUI_LOWVRAM_MIN_WEIGHTS_MIB + inference
    return {
        "name": name,
        "kind": "diffusion",
        "model": key,
        "precision": precision,
        "total_mib": math.ceil(resident),
        "weights_mib": math.ceil(weights),
        "kv_cache_mib": 0,
        "graph_mib": math.ceil(COMFYUI_INFERENCE_MIB),
        "overhead_mib": math.ceil(resident - weights - COMFYUI_INFERENCE_MIB),
        "components_mib": {c: round(v, 2) for c, v in components.items()},
        "normalvram_mib": math.ceil(one_at_a_time),
        "lowvram_mib": math.ceil(lowvram),
        "notes": [],
    }


def public(est):
    """The estimate without the unrounded layout parts (what filters and plans show)."""
    return {key: value for key, value in est.items() if key != "_parts"}


def estimate(workload, field="workload", **options):
    """Dispatch on the workload kind; options are the LLM settings."""
    if is_diffusion(workload):
        return estimate_diffusion(workload, field)
    return public(estimate_llm(workload, field=field, **options))


# ---------------------------------------------------------------- planning

USABLE_VENDORS = ("nvidia", "amd")


def _gpu_key(target):
    """What the roles hand to CUDA/NVIDIA_VISIBLE_DEVICES: the UUID, else the
    index, or "gpu:mig" (the container toolkit's syntax) for a MIG instance."""
    if target["uuid"]:
        return target["uuid"]
    if target["mig_index"] is not None:
        return f"{target['index']}:{target['mig_index']}"
    return str(target["index"])


def _label(target):
    if target["mig_index"] is not None:
        return f"GPU {target['index']} MIG {target['mig_index']}"
    return f"GPU {target['index']}"


def _reserve_for(reserve_mib, gpu):
    if isinstance(reserve_mib, dict):
        for key in (gpu.get("uuid"), gpu.get("index"), str(gpu.get("index"))):
            if key is not None and key in reserve_mib:
                return _int(reserve_mib[key], f"reserve_mib.{key}", minimum=0)
        return 0
    return _int(reserve_mib if reserve_mib is not None else 0, "reserve_mib", minimum=0)


def flash_attention_capable(gpu):
    """ml.FlashAttentionSupported: ROCm, or CUDA compute capability >= 7.0 except 7.2 (Jetson Xavier)."""
    if str(gpu.get("vendor") or "").lower() == "amd":
        return True
    try:
        major, minor = (int(part) for part in str(gpu.get("compute_capability")).split(".")[:2])
    except ValueError:
        return False
    return major >= 7 and (major, minor) != (7, 2)


def gpu_targets(gpus, reserve_mib=0, messages=None):
    """The places a workload can go: whole GPUs, or the MIG instances of a GPU in MIG mode."""
    messages = messages if messages is not None else []
    if gpus is None:
        gpus = []
    if not isinstance(gpus, list):
        raise VramError("gpus", f"must be the list in ansible_facts['ai_stack_gpus'], got {type(gpus).__name__}")
    if isinstance(reserve_mib, dict):
        known = set()
        for gpu in gpus:
            if isinstance(gpu, dict):
                known.update({gpu.get("uuid"), gpu.get("index"), str(gpu.get("index"))})
        for key in reserve_mib:
            if key not in known:
                raise VramError(f"reserve_mib.{key}", "names no GPU in the GPU list")
    targets = []
    for pos, gpu in enumerate(gpus):
        field = f"gpus[{pos}]"
        if not isinstance(gpu, dict):
            raise VramError(field, "must be a dict as gpu_facts returns it")
        index = _int(gpu.get("index", pos), field + ".index", minimum=0)
        vendor = str(gpu.get("vendor") or "unknown").lower()
        name = gpu.get("name") or f"GPU {index}"
        total = _int(gpu.get("memory_total_mib"), field + ".memory_total_mib", minimum=0, allow_none=True)
        if vendor not in USABLE_VENDORS:
            messages.append(f"GPU {index} ({name}, {vendor}) is skipped: Ollama and ComfyUI use CUDA or ROCm only")
            continue
        reserve = _reserve_for(reserve_mib, gpu)
        mig = gpu.get("mig_devices") or []
        if gpu.get("mig_mode") and mig:
            for mpos, dev in enumerate(mig):
                mfield = f"{field}.mig_devices[{mpos}]"
                if not isinstance(dev, dict):
                    raise VramError(mfield, "must be a dict with the instance's memory")
                mem = dev.get("memory_total_mib", dev.get("memory_mib"))
                mem = _int(mem, mfield + ".memory_total_mib", minimum=0)
                targets.append(
                    {
                        "index": index,
                        "mig_index": _int(
                            mpos if dev.get("index") is None else dev["index"], mfield + ".index", minimum=0
                        ),
                        "uuid": dev.get("uuid"),
                        "name": "{} MIG {}".format(name, dev.get("profile") or dev.get("name") or mpos),
                        "memory_total_mib": mem,
                        "budget_mib": max(mem - reserve, 0),
                        "flash_attention": flash_attention_capable(gpu),
                    }
                )
            continue
        if not total:
            messages.append(f"GPU {index} ({name}) reports no memory size and is skipped")
            continue
        targets.append(
            {
                "index": index,
                "mig_index": None,
                "uuid": gpu.get("uuid"),
                "name": name,
                "memory_total_mib": total,
                "budget_mib": max(total - reserve, 0),
                "flash_attention": flash_attention_capable(gpu),
            }
        )
    return targets


def _normalize_workloads(workloads):
    if isinstance(workloads, (str, dict)):
        workloads = [workloads]
    if not isinstance(workloads, list):
        raise VramError("workloads", "must be a list of catalog names or dicts")
    out = []
    seen = set()
    for pos, item in enumerate(workloads):
        field = f"workloads[{pos}]"
        if isinstance(item, str):
            name = item.strip()
        elif isinstance(item, dict):
            name = item.get("name") or item.get("model")
            if not isinstance(name, str) or not name:
                raise VramError(field + ".name", "is required when the dict has no catalog model")
        else:
            raise VramError(field, f"must be a catalog name or a dict, got {type(item).__name__}")
        if name in seen:
            raise VramError(field + ".name", f"{name!r} appears twice; names key the placements")
        seen.add(name)
        out.append((name, item, field))
    return out


def _resolve_pins(pins, names, targets):
    if pins is None:
        return {}
    if not isinstance(pins, dict):
        raise VramError("pins", "must map a workload name to a GPU index or UUID")
    resolved = {}
    for name, want in pins.items():
        field = f"pins.{name}"
        if name not in names:
            raise VramError(field, "names no workload (known: {})".format(", ".join(sorted(names))))
        match = [
            t
            for t in targets
            if want is not None
            and not isinstance(want, bool)
            and (str(want) == str(t["index"]) or (t["uuid"] and str(want) == t["uuid"]))
        ]
        if not match:
            raise VramError(
                field,
                "GPU {!r} is not among the usable GPUs ({})".format(
                    want,
                    ", ".join(f"{t['index']} = {t['uuid']}" if t["uuid"] else str(t["index"]) for t in targets)
                    or "none",
                ),
            )
        resolved[name] = [_gpu_key(t) for t in match]
    return resolved


def _place(llms, diffusion, targets, pins):
    """First-fit decreasing; whatever does not fit whole is split or left to the CPU."""
    free = {_gpu_key(t): t["budget_mib"] for t in targets}
    order = [_gpu_key(t) for t in targets]
    placements = {}
    shared_with_llm = set()
    # CUDA shows a process one MIG instance at most, so every LLM (one Ollama
    # process) that lands on a MIG instance must land on the same one.
    mig = {_gpu_key(t) for t in targets if t["mig_index"] is not None}
    ollama_mig = []

    def llm_candidates(cands):
        if ollama_mig:
            return [k for k in cands if k not in mig or k == ollama_mig[0]]
        return cands

    def candidates(names):
        pinned = [pins[n] for n in names if n in pins]
        if not pinned:
            return order
        allowed = set(pinned[0])
        for other in pinned[1:]:
            allowed &= set(other)
        if not allowed:
            raise VramError(
                "pins", "{} run in one ComfyUI process but are pinned to different GPUs".format(", ".join(names))
            )
        return [k for k in order if k in allowed]

    items = [(e["total_mib"], [e["name"]], e) for e in llms]
    group = None
    if diffusion:
        # ComfyUI is one process that runs one workflow at a time: its share
        # is the largest pipeline, not the sum.
        big = max(diffusion, key=lambda e: e["total_mib"])
        group = {
            "names": [e["name"] for e in diffusion],
            "total_mib": big["total_mib"],
            "normalvram_mib": max(e["normalvram_mib"] for e in diffusion),
            "lowvram_mib": max(e["lowvram_mib"] for e in diffusion),
            "weights_mib": max(e["weights_mib"] for e in diffusion),
        }
        # Sized at one model at a time: Ollama's models are the ones that
        # cannot be swapped out cheaply, so they get the room first and
        # ComfyUI is raised to all-resident afterwards when room is left.
        items.append((group["normalvram_mib"], group["names"], group))
    # Pinned first (they have no choice), then largest first.
    items.sort(key=lambda it: (not any(n in pins for n in it[1]), -it[0]))

    leftovers = []
    comfy = {"gpu": None, "on_gpu": 0, "mode": "cpu"}
    for size, names, est in items:
        cands = candidates(names)
        if est is not group:
            cands = llm_candidates(cands)
        # An LLM loads whole only where every layer also leaves room for the
        # larger of its two graphs (llm/memory.go); it then takes total_mib.
        need = size if est is group else est["fit_mib"]
        chosen = next((k for k in cands if free[k] >= need), None)
        if chosen is None:
            leftovers.append((names, est, cands))
            continue
        free[chosen] -= size
        if est is group:
            comfy.update(gpu=chosen, on_gpu=size, mode="normalvram")
            continue
        shared_with_llm.add(chosen)
        if chosen in mig:
            ollama_mig[:] = [chosen]
        placements[names[0]] = ([(chosen, size, est["block_count"] + 1)], size, 0, False)

    # What did not fit whole is placed the way it would run anyway (the plan
    # says so and `fits` says whether that is acceptable). ComfyUI first
    # claims the least it can stream weights with, so a big LLM cannot take
    # its last MiB; the LLMs then split over what is left; ComfyUI gets the rest.
    comfy_left = [item for item in leftovers if item[1] is group]
    if comfy_left:
        cands = comfy_left[0][2]
        best = max(cands, key=lambda k: free[k]) if cands else None
        room = free[best] if best is not None else 0
        if best is not None and room >= group["lowvram_mib"]:
            comfy.update(gpu=best, on_gpu=group["lowvram_mib"], mode="lowvram")
        elif best is not None and room >= COMFYUI_INFERENCE_MIB + COMFYUI_RESERVED_MIB:
            comfy.update(gpu=best, on_gpu=math.ceil(COMFYUI_INFERENCE_MIB + COMFYUI_RESERVED_MIB), mode="novram")
        if comfy["gpu"] is not None:
            free[best] -= comfy["on_gpu"]
    for names, est, cands in leftovers:
        if est is group:
            continue
        # Too big for any one GPU: Ollama spreads it over all of them, then
        # leaves what is still left over in system RAM.
        cands = llm_candidates(cands)
        rooms = sorted(((k, free[k]) for k in cands if k not in mig), key=lambda r: -r[1])
        if not rooms:
            # Only MIG instances: one process, one instance, no spreading.
            rooms = sorted(((k, free[k]) for k in cands), key=lambda r: -r[1])[:1]
        split, on_cpu = llm_split(est, rooms) if rooms else ([], est["total_mib"])
        if split:
            for key, mib, _layers in split:
                free[key] -= mib
                shared_with_llm.add(key)
                if key in mig:
                    ollama_mig[:] = [key]
            placements[names[0]] = (split, sum(s[1] for s in split), on_cpu, on_cpu > 0)
        else:
            placements[names[0]] = ([], 0, est["total_mib"], True)
    if comfy["mode"] in ("lowvram", "novram"):
        comfy["on_gpu"] += free[comfy["gpu"]]
        free[comfy["gpu"]] = 0
    if comfy["mode"] == "normalvram" and comfy["gpu"] in shared_with_llm:
        # First-fit may have put ComfyUI next to Ollama while a GPU of its
        # own could hold every model: separate GPUs do not fight over memory.
        alone = [
            k
            for k in candidates(group["names"])
            if k not in shared_with_llm and k != comfy["gpu"] and free[k] >= group["total_mib"]
        ]
        if alone:
            free[comfy["gpu"]] += comfy["on_gpu"]
            free[alone[0]] -= comfy["on_gpu"]
            comfy["gpu"] = alone[0]
    if comfy["mode"] == "normalvram" and free[comfy["gpu"]] >= group["total_mib"] - comfy["on_gpu"]:
        free[comfy["gpu"]] -= group["total_mib"] - comfy["on_gpu"]
        comfy.update(on_gpu=group["total_mib"], mode="resident")
    return placements, comfy, group, free, shared_with_llm


def _spill_mib(result):
    """MiB that end up in system RAM: what tuning minimises when nothing fits."""
    placements, comfy, group, _free, _shared = result
    spill = sum(p[2] for p in placements.values())
    if group is not None and comfy["mode"] not in ("resident", "normalvram"):
        spill += max(group["normalvram_mib"] - comfy["on_gpu"], 0)
    return spill


def _estimate_all(normalized, settings, gpu_flash_attention):
    # Ollama only turns flash attention on where the GPUs can run it; the
    # setting alone (and so a quantized cache) does nothing on older cards.
    settings = dict(settings, flash_attention=settings["flash_attention"] and gpu_flash_attention)
    llms, diffusion = [], []
    for name, item, field in normalized:
        if is_diffusion(item):
            est = estimate_diffusion(item, field)
            est["name"] = name
            diffusion.append(est)
        else:
            est = estimate_llm(item, field=field, **settings)
            est["name"] = name
            llms.append(est)
    return llms, diffusion


def _fully_on_gpu(placements, comfy, group, allow_partial_comfy=False):
    if any(p[3] for p in placements.values()):
        return False
    if group is not None and comfy["mode"] not in ("resident", "normalvram"):
        return allow_partial_comfy
    return True


def plan(
    workloads,
    gpus,
    reserve_mib=0,
    pins=None,
    allow_cpu_offload=False,
    num_ctx=None,
    num_parallel=None,
    kv_cache_type=None,
    flash_attention=None,
    auto_tune=True,
):
    """Place workloads on GPUs and derive the Ollama and ComfyUI settings."""
    messages = []
    allow_cpu_offload = _bool(allow_cpu_offload, "allow_cpu_offload")
    auto_tune = _bool(auto_tune, "auto_tune")
    num_ctx = _int(num_ctx if num_ctx is not None else DEFAULT_NUM_CTX, "num_ctx", minimum=1)
    num_parallel = _int(num_parallel if num_parallel is not None else DEFAULT_NUM_PARALLEL, "num_parallel", 1)
    kv = str(kv_cache_type or "f16").strip().lower()
    if kv not in KV_CACHE_TYPES:
        raise VramError("kv_cache_type", "must be one of {}, got {!r}".format(", ".join(KV_CACHE_TYPES), kv))
    fa = _bool(flash_attention, "flash_attention", allow_none=True)
    fa_explicit = fa is not None
    targets = gpu_targets(gpus, reserve_mib, messages)
    # One global OLLAMA_FLASH_ATTENTION. Unset, it is on where every GPU can
    # run it (it only ever saves memory and time there), and a quantized KV
    # cache needs it.
    # Ollama's CPU backend runs flash attention too.
    gpu_fa = all(t["flash_attention"] for t in targets)
    if fa and not gpu_fa:
        old = [f"{_label(t)} ({t['name']})" for t in targets if not t["flash_attention"]]
        messages.append(
            f"flash attention is requested but {', '.join(old)} cannot run it (CUDA compute capability 7.0 or "
            "newer, except 7.2): Ollama keeps an f16 KV cache there"
        )
    if fa is None:
        fa = kv != "f16" or bool(targets and gpu_fa)
        if fa and kv == "f16":
            messages.append("flash attention on: every GPU supports it (ROCm, or CUDA compute capability >= 7.0)")
    elif not fa and kv != "f16":
        messages.append(f"kv_cache_type {kv} has no effect with flash_attention false: Ollama keeps f16")

    normalized = _normalize_workloads(workloads)
    names = {entry[0] for entry in normalized}
    pins = _resolve_pins(pins, names, targets)

    base = {"num_ctx": num_ctx, "num_parallel": num_parallel, "kv_cache_type": kv, "flash_attention": fa}
    variants = [("", base)]
    if auto_tune and targets:
        quantize = kv == "f16" and gpu_fa and not (fa_explicit and not fa)
        if quantize:
            variants.append(
                ("flash attention on with a q8_0 KV cache", dict(base, kv_cache_type="q8_0", flash_attention=True))
            )
        if num_parallel > 1:
            variants.append((f"num_parallel lowered from {num_parallel} to 1", dict(base, num_parallel=1)))
        if quantize and num_parallel > 1:
            variants.append(
                (
                    "flash attention on with a q8_0 KV cache and num_parallel 1",
                    dict(base, kv_cache_type="q8_0", flash_attention=True, num_parallel=1),
                )
            )

    chosen = None
    first = None
    attempts = []
    for why, settings in variants:
        llms, diffusion = _estimate_all(normalized, settings, gpu_fa)
        result = _place(llms, diffusion, targets, pins)
        attempt = (why, settings, llms, diffusion, result)
        attempts.append(attempt)
        if first is None:
            first = attempt
        if _fully_on_gpu(result[0], result[1], result[2]):
            chosen = attempt
            break
    if chosen is None:
        # Nothing fits whole: keep the settings that leave the least in
        # system RAM (the first, as asked, on a tie).
        chosen = min(attempts, key=lambda a: _spill_mib(a[4]))
        if len(variants) > 1:
            messages.append(
                "no tuning step ({}) makes everything fit on the GPUs".format("; ".join(v[0] for v in variants[1:]))
            )
        if chosen is not first:
            messages.append(
                f"set {chosen[0]}: {_spill_mib(chosen[4])} MiB left in system RAM instead of {_spill_mib(first[4])}"
            )
    elif chosen is not first:
        messages.append(f"set {chosen[0]} so every workload fits on the GPUs")
    _why, settings, llms, diffusion, (placements, comfy, group, free, shared) = chosen
    return _report(
        targets,
        settings,
        llms,
        diffusion,
        placements,
        comfy,
        group,
        free,
        shared,
        allow_cpu_offload,
        normalized,
        messages,
    )


def _report(
    targets, settings, llms, diffusion, placements, comfy, group, free, shared, allow_offload, normalized, messages
):
    by_key = {_gpu_key(t): t for t in targets}
    gpu_rows = []
    for t in targets:
        key = _gpu_key(t)
        gpu_rows.append(
            {
                "index": t["index"],
                "mig_index": t["mig_index"],
                "uuid": t["uuid"],
                "name": t["name"],
                "memory_total_mib": t["memory_total_mib"],
                "budget_mib": t["budget_mib"],
                "used_mib": t["budget_mib"] - free[key],
                "free_mib": free[key],
                "workloads": [],
            }
        )
    rows = {_gpu_key(t): gpu_rows[pos] for pos, t in enumerate(targets)}

    out = []
    cpu = []
    for est in llms:
        split, on_gpu, on_cpu, partial = placements[est["name"]]
        target = by_key[split[0][0]] if split else None
        where = " + ".join(f"{mib} MiB of {_label(by_key[key])}" for key, mib, _layers in split)
        out.append(
            {
                "name": est["name"],
                "kind": "llm",
                "gpu_index": target["index"] if target else None,
                "gpu_uuid": target["uuid"] if target else None,
                "total_mib": est["total_mib"],
                "on_gpu_mib": on_gpu,
                "on_cpu_mib": on_cpu,
                "partial": partial,
                "split": [
                    {"index": by_key[key]["index"], "uuid": by_key[key]["uuid"], "on_gpu_mib": mib, "layers": layers}
                    for key, mib, layers in split
                ],
                "estimate": public(est),
            }
        )
        for key, _mib, _layers in split:
            rows[key]["workloads"].append(est["name"])
        if not partial and len(split) > 1:
            messages.append(
                f"{est['name']} needs {est['total_mib']} MiB, more than any one GPU has: split as {where}, "
                f"{on_gpu} MiB in all (every GPU adds its own minimum, buffer and graph)"
            )
        elif not partial:
            messages.append(f"{est['name']}: {on_gpu} MiB of {_label(target)} ({est['total_mib']} MiB needed)")
        elif target is None:
            cpu.append(est["name"])
            messages.append(f"{est['name']} needs {est['total_mib']} MiB and gets no GPU room: it runs from system RAM")
        else:
            cpu.append(est["name"])
            messages.append(
                f"{est['name']} needs {est['total_mib']} MiB ({est['fit_mib']} MiB free to load whole: Ollama checks "
                f"each layer against its larger graph) but gets {where}; {on_cpu} MiB run from system RAM"
            )
        messages.extend("{}: {}".format(est["name"], note) for note in est["notes"])

    comfy_target = by_key.get(comfy["gpu"])
    mode = _comfy_mode(comfy, comfy_target, shared)
    for est in diffusion:
        on_gpu = min(est["total_mib"], comfy["on_gpu"]) if comfy_target else 0
        if comfy["mode"] == "normalvram":
            on_gpu = min(est["normalvram_mib"], comfy["on_gpu"])
        partial = comfy["mode"] not in ("resident", "normalvram")
        if comfy_target is None:
            on_cpu = est["total_mib"]
        elif partial:
            on_cpu = max(est["weights_mib"] - max(on_gpu - est["lowvram_mib"], 0), 0)
        else:
            on_cpu = 0
        out.append(
            {
                "name": est["name"],
                "kind": "diffusion",
                "gpu_index": comfy_target["index"] if comfy_target else None,
                "gpu_uuid": comfy_target["uuid"] if comfy_target else None,
                "total_mib": est["total_mib"],
                "on_gpu_mib": on_gpu,
                "on_cpu_mib": on_cpu,
                "partial": partial,
                "vram_mode": mode,
                "estimate": est,
            }
        )
        if comfy_target:
            rows[comfy["gpu"]]["workloads"].append(est["name"])
        if partial:
            cpu.append(est["name"])
    order = [entry[0] for entry in normalized]
    out.sort(key=lambda p: order.index(p["name"]))
    if group is not None:
        messages.append(_comfy_message(group, comfy, mode, _label(comfy_target) if comfy_target else None))

    used_keys = {share[0] for p in placements.values() for share in p[0]}
    llm_keys = [key for key in by_key if key in used_keys]
    no_gpu = not targets
    if no_gpu:
        messages.insert(0, "no usable GPU: every workload runs on the CPU from system RAM")
    fully = not cpu
    fits = fully or allow_offload or no_gpu
    if not fits:
        messages.append("set allow_cpu_offload to accept running {} partly from system RAM".format(", ".join(cpu)))
    reserve = None
    if comfy_target:
        held = sum(share[1] for p in placements.values() for share in p[0] if share[0] == comfy["gpu"]) + (
            comfy_target["memory_total_mib"] - comfy_target["budget_mib"]
        )
        if held:
            # --reserve-vram replaces ComfyUI's own 400 MiB, so keep it in.
            reserve = math.ceil((held + COMFYUI_RESERVED_MIB) / 1024 * 10) / 10.0
    n_llm = len(llms)
    return {
        "fits": fits,
        "fully_on_gpu": fully,
        "cpu_only": no_gpu,
        "gpus": gpu_rows,
        "placements": out,
        "cpu_offload": cpu,
        "ollama": {
            "max_loaded_models": max(n_llm, 1),
            "num_parallel": settings["num_parallel"],
            "kv_cache_type": settings["kv_cache_type"],
            "flash_attention": bool(settings["flash_attention"]),
            "context_length": settings["num_ctx"],
            "gpu_uuids": llm_keys,
        },
        "comfyui": {
            "vram_mode": mode,
            "reserve_vram_gb": reserve,
            "gpu_uuids": [comfy["gpu"]] if comfy_target else [],
        },
        "messages": messages,
    }


def _comfy_mode(comfy, target, shared):
    if target is None:
        return "cpu"
    if comfy["mode"] == "resident":
        # Only a GPU of its own lets ComfyUI pin every model; next to Ollama
        # it must be free to swap models out.
        return "normalvram" if comfy["gpu"] in shared else "highvram"
    return comfy["mode"]


def _comfy_message(group, comfy, mode, gpu):
    names = ", ".join(group["names"])
    if gpu is None:
        return f"ComfyUI ({names}) needs {group['total_mib']} MiB and finds no GPU room: it runs on the CPU (--cpu)"
    if comfy["mode"] == "resident":
        return f"ComfyUI ({names}): {group['total_mib']} MiB keeps every model resident on {gpu} (--{mode})"
    if comfy["mode"] == "normalvram":
        return (
            f"ComfyUI ({names}): {group['total_mib']} MiB for all models does not fit, "
            f"{group['normalvram_mib']} MiB for one model at a time does on {gpu} (--normalvram)"
        )
    return (
        f"ComfyUI ({names}) needs {group['normalvram_mib']} MiB (one model at a time) but gets "
        f"{comfy['on_gpu']} MiB on {gpu}: weights stream from system RAM (--{mode})"
    )


# ------------------------------------------------------- choosing models


# Families a wish may name without listing candidates: every catalog entry
# whose name starts with "<family>:" (largest first).
def _family_candidates(family):
    prefix = family.strip().lower() + ":"
    names = [name for name in LLM_CATALOG if name.lower().startswith(prefix) or name.lower() == family.strip().lower()]
    return sorted(names, key=lambda n: -LLM_CATALOG[n]["size_bytes"])


def _wishes(wishes):
    if not isinstance(wishes, list):
        raise VramError("ollama_models_auto", "must be a list of wishes (a family name or {name, candidates})")
    out = []
    for pos, wish in enumerate(wishes):
        field = f"ollama_models_auto[{pos}]"
        if isinstance(wish, str):
            wish = {"name": wish, "family": wish}
        if not isinstance(wish, dict):
            raise VramError(field, "must be a family name like qwen2.5-coder or a dict {name, family or candidates}")
        label = wish.get("name") or wish.get("family")
        if not isinstance(label, str) or not label:
            raise VramError(field + ".name", "is required (what the model is for, e.g. chat or coder)")
        candidates = wish.get("candidates")
        if candidates is None:
            family = wish.get("family", label)
            candidates = _family_candidates(str(family))
            if not candidates:
                raise VramError(
                    field + ".family",
                    "{!r} names no catalog family (known: {}); list candidates instead".format(
                        family, ", ".join(sorted({n.split(":")[0] for n in LLM_CATALOG}))
                    ),
                )
        if not isinstance(candidates, list) or not candidates:
            raise VramError(field + ".candidates", "must be a non-empty list of model names or workload dicts")
        names = []
        for cpos, cand in enumerate(candidates):
            cname = cand if isinstance(cand, str) else (cand.get("name") if isinstance(cand, dict) else None)
            if not isinstance(cname, str) or not cname:
                raise VramError(f"{field}.candidates[{cpos}]", "must be a model name or a dict with a name")
            if isinstance(cand, str):
                resolve_llm(cand, f"{field}.candidates[{cpos}]")
            names.append((cname, cand))
        if wish.get("candidates") is None:
            names.sort(key=lambda item: -_candidate_size(item[1]))
        out.append((label, names, field))
    return out


def choose_models(wishes, gpus, workloads=None, reserve_mib=0, allow_cpu_offload=False, **settings):
    """ollama_models_auto: for each wish, in order, the largest candidate that
    fits on the GPUs together with what is already chosen and the other
    ``workloads`` (ComfyUI's pipeline). Candidates are tried largest first
    (a family's catalog sizes, or the order given). Returns
    {"models": [{"name", "state"}], "chosen": [...], "messages": [...], "plan": ...}.
    Without a usable GPU every wish gets its smallest candidate (CPU).
    """
    parsed = _wishes(wishes)
    others = list(workloads or [])
    targets = gpu_targets(gpus or [], reserve_mib)
    chosen, messages = [], []
    for label, names, _field in parsed:
        if not targets:
            name, cand = names[-1]
            chosen.append({"wish": label, "model": name, "workload": cand})
            messages.append(f"{label}: {name} (no usable GPU: the smallest candidate, it runs on the CPU)")
            continue
        listed = [name for name, _cand in names if name in {_wl_name(o) for o in others}]
        if listed:
            messages.append(f"{label}: {listed[0]} is already in the model set; nothing added")
            continue
        picked = None
        for name, cand in names:
            trial = [c["workload"] for c in chosen] + [cand] + others
            result = plan(trial, gpus, reserve_mib=reserve_mib, allow_cpu_offload=False, **settings)
            if result["fully_on_gpu"]:
                picked = (name, cand, result)
                break
            mine = next(p for p in result["placements"] if p["name"] == name)
            beside = ", ".join([c["model"] for c in chosen] + [_wl_name(o) for o in others]) or "nothing else"
            messages.append(
                f"{label}: {name} ({mine['total_mib']} MiB) does not fit next to {beside}: "
                f"{', '.join(result['cpu_offload'])} would run partly from system RAM"
            )
        if picked is None:
            if allow_cpu_offload:
                name, cand = names[-1]
                chosen.append({"wish": label, "model": name, "workload": cand})
                messages.append(f"{label}: nothing fits whole; {name}, the smallest, runs partly from system RAM")
            else:
                messages.append(f"{label}: no candidate fits on the GPUs; skipped (set allow_cpu_offload to take one)")
            continue
        name, cand, result = picked
        mine = next(p for p in result["placements"] if p["name"] == name)
        chosen.append({"wish": label, "model": name, "workload": cand, "total_mib": mine["total_mib"]})
        messages.append(f"{label}: {name} ({mine['total_mib']} MiB), the largest candidate that fits")
    final = plan(
        [c["workload"] for c in chosen] + others,
        gpus,
        reserve_mib=reserve_mib,
        allow_cpu_offload=allow_cpu_offload or not targets,
        **settings,
    )
    models = []
    for item in chosen:
        entry = {"name": item["model"], "state": "present"}
        if isinstance(item["workload"], dict):
            entry["vram"] = {k: v for k, v in item["workload"].items() if k != "name"}
        models.append(entry)
    return {
        "models": models,
        "chosen": [{k: v for k, v in c.items() if k != "workload"} for c in chosen],
        "messages": messages,
        "plan": final,
    }


def _candidate_size(cand):
    return LLM_CATALOG[cand]["size_bytes"] if isinstance(cand, str) and cand in LLM_CATALOG else 0


def _wl_name(workload):
    if isinstance(workload, str):
        return workload
    if isinstance(workload, dict):
        return str(workload.get("name") or workload.get("model"))
    return str(workload)


def models_from_api(models, show_results, tags):
    """ollama_models with a ``vram`` entry for each model a running Ollama described.

    ``show_results`` are the registered results of POST /api/show (``item`` is
    the model name, ``json`` the answer), ``tags`` the answer of GET /api/tags
    (its ``size`` is the bytes of the model). A model that already has a
    ``vram`` entry, or whose answer is missing or not 200, is left as it is.
    """
    if not isinstance(models, list):
        raise VramError("ollama_models", "must be a list of {name, state} dicts")
    sizes = {}
    for entry in (tags or {}).get("models") or []:
        if isinstance(entry, dict) and entry.get("name"):
            sizes[entry["name"]] = entry.get("size")
    shown = {}
    for result in show_results or []:
        if not isinstance(result, dict) or result.get("status") != 200:
            continue
        answer = result.get("json")
        if isinstance(answer, dict) and isinstance(answer.get("model_info"), dict):
            shown[result.get("item")] = answer
    out = []
    for model in models:
        name = model.get("name") if isinstance(model, dict) else None
        if name in shown and sizes.get(name) and not model.get("vram") and _complete(shown[name]["model_info"]):
            answer = shown[name]
            vram = {"model_info": answer["model_info"], "size_bytes": sizes[name]}
            tensors = answer.get("tensors")
            if isinstance(tensors, list) and tensors:
                # A separate output tensor keeps token_embd off the GPU.
                vram["tied_embeddings"] = not any(
                    isinstance(t, dict) and t.get("name") == "output.weight" for t in tensors
                )
            model = dict(model, vram=vram)
        out.append(model)
    return out


def _complete(model_info):
    """Whether /api/show gave what the estimate needs (else the model stays uncounted, with the notice)."""
    try:
        flat = from_model_info(model_info)
    except VramError:
        return False
    return all(flat.get(key) not in (None, "") for key in _REQUIRED_LLM_KEYS if key != "size_bytes")
