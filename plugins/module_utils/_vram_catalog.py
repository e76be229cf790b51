# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Built-in model metadata, so a VRAM plan can be made before anything is pulled.

Every row says where each number came from. Shapes (layers, widths, heads,
vocabulary) are the rows of ``shared/fixtures/ollama/model_metadata.csv`` that
the CSV marks as checked against a config.json or an Ollama log; rows it marks
"NOT verified" (Qwen2.5-14B, Gemma-3-4B/27B) are left out on purpose, because a
wrong head count silently halves or doubles the KV cache.

Sizes are the bytes Ollama's own ``/api/tags`` reported for the library tag,
found in public listings and pinned by the manifest digest Ollama prints as the
model ID, so anyone can check them against ``ollama list`` or the registry.
``size_bytes`` therefore includes the tiny template/licence layers (a few KiB).
"""

from __future__ import annotations

# Where the shapes come from: the HF config.json copies named in
# shared/fixtures/ollama/model_metadata.csv (column source_url) and the Ollama
# logs quoted there.
_SHAPE_LLAMA3_8B = "model_metadata.csv row Llama-3/3.1-8B (HF config.json; ollama logs #9704/#12586)"
_SHAPE_LLAMA32_3B = "model_metadata.csv row Llama-3.2-3B-Instruct (HF config.json; ollama log #8310)"
_SHAPE_MISTRAL_7B = "model_metadata.csv row Mistral-7B-Instruct-v0.3 (HF config.json)"
_SHAPE_QWEN25_3B = "model_metadata.csv row Qwen2.5-3B (HF config.json)"
_SHAPE_QWEN25_7B = "model_metadata.csv row Qwen2.5-7B (HF config.json; ollama log #7585)"
_SHAPE_QWEN25_32B = "model_metadata.csv row Qwen2.5-32B / Coder-32B (official HF config.json)"
_SHAPE_QWEN3_8B = "model_metadata.csv row Qwen3-8B (HF config.json copy)"
_SHAPE_GEMMA2_9B = "model_metadata.csv row Gemma-2-9B (HF config.json; ollama log #5331)"
_SHAPE_GEMMA3_12B = "model_metadata.csv row Gemma-3-12B (HF config.json; ollama log deep-research-at-home #14)"


def _llama3_8b():
    return {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
    }


def _qwen25_32b():
    return {
        "architecture": "qwen2",
        "block_count": 64,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
    }


def _qwen3_8b():
    return {
        "architecture": "qwen3",
        "block_count": 36,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
    }


def _row(shape, shape_source, size_bytes, quantization, size_source, **extra):
    row = dict(shape)
    row.update(
        {
            "size_bytes": size_bytes,
            "quantization": quantization,
            "sources": {"shape": shape_source, "size": size_source},
        }
    )
    row.update(extra)
    return row


LLM_CATALOG = {
    "llama3:8b": _row(
        _llama3_8b(),
        _SHAPE_LLAMA3_8B,
        4661211424,
        "Q4_0",
        "ollama manifest layer sha256:6a0746a1ec1a... size 4661211424 (public /api/tags and manifest copies)",
    ),
    "llama3.1:8b": _row(
        _llama3_8b(),
        _SHAPE_LLAMA3_8B,
        4920753328,
        "Q4_K_M",
        "ollama /api/tags, digest 46e0c10c039e..., size 4920753328 (several public listings)",
    ),
    "llama3.2:3b": _row(
        {
            "architecture": "llama",
            "block_count": 28,
            "embedding_length": 3072,
            "head_count": 24,
            "head_count_kv": 8,
            "key_length": 128,
            "value_length": 128,
            "vocab_size": 128256,
            "tied_embeddings": True,
        },
        _SHAPE_LLAMA32_3B,
        2019393189,
        "Q4_K_M",
        "ollama /api/tags, digest a80c4f17acd5..., size 2019393189",
    ),
    "mistral:7b": _row(
        {
            "architecture": "llama",
            "block_count": 32,
            "embedding_length": 4096,
            "head_count": 32,
            "head_count_kv": 8,
            "key_length": 128,
            "value_length": 128,
            "vocab_size": 32768,
            "tied_embeddings": False,
        },
        _SHAPE_MISTRAL_7B,
        4372824384,
        "Q4_K_M",
        "ollama /api/tags, digest 6577803aa9a0... (v0.3, 7.2B), size 4372824384",
    ),
    "qwen2.5:3b": _row(
        {
            "architecture": "qwen2",
            "block_count": 36,
            "embedding_length": 2048,
            "head_count": 16,
            "head_count_kv": 2,
            "key_length": 128,
            "value_length": 128,
            "vocab_size": 151936,
            "tied_embeddings": True,
        },
        _SHAPE_QWEN25_3B,
        1929912432,
        "Q4_K_M",
        "ollama /api/tags, digest 357c53fb659c..., size 1929912432",
    ),
    "qwen2.5:7b": _row(
        {
            "architecture": "qwen2",
            "block_count": 28,
            "embedding_length": 3584,
            "head_count": 28,
            "head_count_kv": 4,
            "key_length": 128,
            "value_length": 128,
            "vocab_size": 152064,
            "tied_embeddings": False,
        },
        _SHAPE_QWEN25_7B,
        4683087332,
        "Q4_K_M",
        "ollama /api/tags, digest 845dbda0ea48..., size 4683087332",
    ),
    "qwen2.5:32b": _row(
        _qwen25_32b(),
        _SHAPE_QWEN25_32B,
        19851349669,
        "Q4_K_M",
        "ollama /api/tags, digest 9f13ba1299af..., size 19851349669",
    ),
    "qwen2.5-coder:32b": _row(
        _qwen25_32b(),
        _SHAPE_QWEN25_32B,
        19851349898,
        "Q4_K_M",
        "ollama /api/tags, digest b92d6a0bd47e..., size 19851349898 (ollama list: 19 GB)",
    ),
    "deepseek-r1:32b": _row(
        _qwen25_32b(),
        _SHAPE_QWEN25_32B + "; the CSV lists deepseek-r1:32b as this shape (Qwen2.5 distill)",
        19851337809,
        "Q4_K_M",
        "ollama /api/tags, digest edba8017331d..., family qwen2, size 19851337809",
    ),
    "qwen3:8b": _row(
        _qwen3_8b(),
        _SHAPE_QWEN3_8B,
        5225388164,
        "Q4_K_M",
        "ollama /api/tags, model ID 500a1f067a9f, size 5225388164",
    ),
    # The tag was re-pointed in 2025 from the Llama-3.1 distill (digest
    # 28f8fd6cdc67..., 4920738407 bytes) to the Qwen3-8B based R1-0528 distill
    # (ID 6995872bfe4c). No listing found gives its exact bytes, only
    # `ollama list`'s "5.2 GB", which Ollama rounds to one decimal: the upper
    # end of that range is used so the estimate cannot come out low.
    "deepseek-r1:8b": _row(
        _qwen3_8b(),
        _SHAPE_QWEN3_8B + "; architecture qwen3 per public notes on model ID 6995872bfe4c",
        5250000000,
        "Q4_K_M",
        "ollama list: deepseek-r1:8b 6995872bfe4c 5.2 GB (several public listings); upper bound of that rounding",
    ),
    "gemma2:9b": _row(
        {
            "architecture": "gemma2",
            "block_count": 42,
            "embedding_length": 3584,
            "head_count": 16,
            "head_count_kv": 8,
            "key_length": 256,
            "value_length": 256,
            "vocab_size": 256000,
            "tied_embeddings": True,
        },
        _SHAPE_GEMMA2_9B,
        5443152417,
        "Q4_0",
        "ollama /api/tags, digest ff02c3702f32..., 9.2B Q4_0, size 5443152417",
    ),
    # gemma3 ships its vision tower in the same blob, so size_bytes already
    # holds the projector weights; the vision keys give Ollama's projector
    # graph (4*(896*896*3 + 1152*14 + 4096*4096*16) bytes = 1033 MiB), which the
    # deep-research-at-home #14 log prints as projector.graph="1.0 GiB".
    "gemma3:12b": _row(
        {
            "architecture": "gemma3",
            "block_count": 48,
            "embedding_length": 3840,
            "head_count": 16,
            "head_count_kv": 8,
            "key_length": 256,
            "value_length": 256,
            "vocab_size": 262208,
            "tied_embeddings": True,
            "sliding_window": 1024,
            "vision": {
                "image_size": 896,
                "patch_size": 14,
                "num_channels": 3,
                "embedding_length": 1152,
                "head_count": 16,
            },
        },
        _SHAPE_GEMMA3_12B + "; vision tower: SigLIP shape corroborated by projector.graph 1.0 GiB in that log",
        8149190253,
        "Q4_K_M",
        "ollama /api/tags, digest f4031aab637d..., 12.2B Q4_K_M, size 8149190253",
    ),
}

# ComfyUI diffusion pipelines, in MiB per component and precision. "fp8"
# applies to the diffusion model (and, for Flux, to the T5 text encoder, the
# way the usual fp8 Flux bundles ship). Measured numbers are ComfyUI's own
# "loaded completely" log lines (its "MB" are MiB); derived ones are
# parameters x bytes per parameter and say so.
DIFFUSION_CATALOG = {
    "sd15": {
        "title": "Stable Diffusion 1.5",
        "components": {
            "diffusion_model": {"fp16": 1639.41, "fp8": 819.71},
            "text_encoder": {"fp16": 234.7, "fp8": 234.7},
            "vae": {"fp16": 159.56, "fp8": 159.56},
        },
        "sources": {
            "diffusion_model": (
                "measured: ComfyUI log 'loaded completely; 1639.41 MB loaded' (Comfy-Org/ComfyUI #13976); fp8 = half"
            ),
            "text_encoder": "derived: CLIP ViT-L/14 text model, 123.06 M parameters x 2 bytes",
            "vae": "measured: ComfyUI log AutoencoderKL 159.56 MB (Comfy-Org/ComfyUI #13976)",
        },
    },
    "sdxl": {
        "title": "Stable Diffusion XL 1.0",
        "components": {
            "diffusion_model": {"fp16": 4901.9, "fp8": 2450.95},
            "text_encoder": {"fp16": 1559.7, "fp8": 1559.7},
            "vae": {"fp16": 159.56, "fp8": 159.56},
        },
        "sources": {
            "diffusion_model": "derived: 2.57 B UNet parameters x 2 bytes (shared/fixtures/comfyui notes); fp8 = half",
            "text_encoder": "derived: CLIP-L (123.06 M) + OpenCLIP bigG text (694.66 M) parameters x 2 bytes",
            "vae": "same AutoencoderKL shape as SD1.5: measured 159.56 MB (Comfy-Org/ComfyUI #13976)",
        },
    },
    "flux": {
        "title": "FLUX.1 dev/schnell",
        "components": {
            "diffusion_model": {"fp16": 22700.14, "fp8": 11350.07},
            "text_encoder": {"fp16": 9320.38, "fp8": 4777.54},
            "vae": {"fp16": 159.87, "fp8": 159.87},
        },
        "sources": {
            "diffusion_model": (
                "measured fp8: ComfyUI log 'loaded completely; ... 11350.07 MB loaded' (RX 7900 XTX, attribution "
                "unverified per fixtures SOURCES.md); fp16/bf16 = twice the one-byte-per-weight fp8 size"
            ),
            "text_encoder": (
                "measured fp8: FluxClipModel_ 4777.54 MB (Comfy-Org/ComfyUI #8025, same figure in the RX 7900 log); "
                "fp16 = CLIP-L 234.7 MiB + twice the remaining T5-XXL part"
            ),
            "vae": "measured: AutoencodingEngine 159.87 MB (Comfy-Org/ComfyUI #8025)",
        },
    },
}

DIFFUSION_ALIASES = {
    "sd1.5": "sd15",
    "sd-1.5": "sd15",
    "stable-diffusion-1.5": "sd15",
    "sd_xl": "sdxl",
    "flux1": "flux",
    "flux.1": "flux",
    "flux-dev": "flux",
    "flux-schnell": "flux",
}
