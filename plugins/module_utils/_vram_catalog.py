# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Built-in model metadata, so a VRAM plan can be made before anything is pulled.

Every entry says where each number came from (``sources``); the table it is
generated from, one row per entry, is
tests/unit/plugins/filter/fixtures/vram/catalog_sources.csv and a unit test
checks each entry against its row. A name that is not here cannot be guessed:
give the GGUF keys (or ``model_info`` from ``/api/show``) instead.
"""

from __future__ import annotations

# Kept in step with tests/unit/plugins/filter/fixtures/vram/catalog_sources.csv
# (one row per entry, with the source of its shape and of its size); the unit
# tests check every entry against that row. Sizes are the bytes Ollama's
# /api/tags reported where a public listing gives them, else the upper end of
# the rounded size ollama.com prints for the default tag (so the estimate
# cannot come out low because of rounding). Vision models: projector_bytes is
# a separate projector blob (llava, llama3.2-vision), vision.weights_bytes the
# vision tower inside the model blob (gemma3, mistral-small3.1); the vision.*
# keys give Ollama's vision graph (VisionGraphSize in fs/ggml/ggml.go).
LLM_CATALOG = {
    "llama3:8b": {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 8192,
        "quantization": "Q4_0",
        "size_bytes": 4661211424,
        "sources": {
            "shape": "model_metadata.csv row Llama-3/3.1-8B (HF config.json; ollama logs #9704/#12586)",
            "size": (
                "ollama manifest layer sha256:6a0746a1ec1a... size 4661211424 (public /api/tags and manifest copies)"
            ),
        },
    },
    "llama3.1:8b": {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 4920753328,
        "sources": {
            "shape": "model_metadata.csv row Llama-3/3.1-8B (HF config.json; ollama logs #9704/#12586)",
            "size": "ollama /api/tags, digest 46e0c10c039e..., size 4920753328 (several public listings)",
        },
    },
    "llama3.2:3b": {
        "architecture": "llama",
        "block_count": 28,
        "embedding_length": 3072,
        "head_count": 24,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 2019393189,
        "sources": {
            "shape": "model_metadata.csv row Llama-3.2-3B-Instruct (HF config.json; ollama log #8310)",
            "size": "ollama /api/tags, digest a80c4f17acd5..., size 2019393189",
        },
    },
    "llama3.2:1b": {
        "architecture": "llama",
        "block_count": 16,
        "embedding_length": 2048,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 128256,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q8_0",
        "size_bytes": 1350000000,
        "sources": {
            "shape": (
                "HF config.json of meta-llama/Llama-3.2-1B-Instruct (as published there; that page is "
                "not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/llama3.2:1b default tag: 1.3GB (Q8_0), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "llama3:70b": {
        "architecture": "llama",
        "block_count": 80,
        "embedding_length": 8192,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 8192,
        "quantization": "Q4_0",
        "size_bytes": 39964336865,
        "sources": {
            "shape": "model_metadata.csv row Llama-3-70B / 3.1 / 3.3 (HF config.json copies)",
            "size": (
                "model size 37.22 GiB (llama3.1:70b Q4_0, same tensor shapes as llama3:70b Q4_0) in "
                "the PR #6279 log; ollama.com/library/llama3:70b: 40GB"
            ),
        },
    },
    "llama3.1:70b": {
        "architecture": "llama",
        "block_count": 80,
        "embedding_length": 8192,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 43500000000,
        "sources": {
            "shape": "model_metadata.csv row Llama-3-70B / 3.1 / 3.3 (HF config.json copies)",
            "size": (
                "ollama.com/library/llama3.1:70b default tag: 43GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "llama3.3:70b": {
        "architecture": "llama",
        "block_count": 80,
        "embedding_length": 8192,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 43500000000,
        "sources": {
            "shape": "model_metadata.csv row Llama-3-70B / 3.1 / 3.3 (Llama-3.3 assumed identical there)",
            "size": (
                "ollama.com/library/llama3.3:70b default tag: 43GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "llama3.2-vision:11b": {
        "architecture": "mllama",
        "block_count": 40,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 6050000000,
        "projector_bytes": 1950000000,
        "cross_attention_layers": [3, 8, 13, 18, 23, 28, 33, 38],
        "vision": {
            "image_size": 560,
            "patch_size": 14,
            "num_channels": 3,
            "embedding_length": 1280,
            "head_count": 16,
            "max_num_tiles": 4,
            "class_embd": True,
        },
        "sources": {
            "shape": (
                "GGUF header in the ollama #8310 log (mllama.block_count 40, embedding_length 4096, "
                "head_count 32, head_count_kv 8, vocab_size 128256, cross_attention_layers "
                "[3,8,...]); vision tower: HF meta-llama/Llama-3.2-11B-Vision config.json "
                "vision_config (image 560, patch 14, hidden 1280, 16 heads, 4 tiles), graph 2.8 GiB "
                "matches projector.graph in the #9311 log"
            ),
            "size": (
                "ollama.com/library/llama3.2-vision:11b: model 6.0GB + projector 1.9GB (upper end of "
                "rounding); projector.weights 1.8 GiB in the #9311 log"
            ),
        },
    },
    "llava:7b": {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32000,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_0",
        "size_bytes": 4150000000,
        "projector_bytes": 624500000,
        "sources": {
            "shape": (
                "LLaVA 1.6 Mistral: base LLM Mistral-7B-Instruct-v0.2 per its author "
                "(haotian-liu/LLaVA #1061), i.e. 32 layers, 4096 wide, 32 heads, 8 KV heads x 128, "
                "vocabulary 32000; that Ollama's llava:7b is the 1.6 Mistral build is read from its "
                "7.24B parameter count, not from a stored page"
            ),
            "size": (
                "ollama.com/library/llava:7b: model 4.1GB (llama, 7.24B, Q4_0) + projector 624MB "
                "(clip, F16); upper end of the rounding"
            ),
        },
    },
    "mistral:7b": {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32768,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 4372824384,
        "sources": {
            "shape": "model_metadata.csv row Mistral-7B-Instruct-v0.3 (HF config.json)",
            "size": "ollama /api/tags, digest 6577803aa9a0... (v0.3, 7.2B), size 4372824384",
        },
    },
    "mistral-nemo:12b": {
        "architecture": "llama",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 131072,
        "tied_embeddings": False,
        "context_length": 1024000,
        "quantization": "Q4_0",
        "size_bytes": 7150000000,
        "sources": {
            "shape": (
                "HF config.json of a Mistral-Nemo-Instruct-2407 fine-tune, "
                "https://huggingface.co/riple-saanvi-lab/Saanvi-C0-12B/blob/main/config.json "
                "(head_dim 128) (read in the stored docs corpus)"
            ),
            "size": (
                "ollama.com/library/mistral-nemo:12b default tag: 7.1GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "mistral-small:24b": {
        "architecture": "llama",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 131072,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 14500000000,
        "sources": {
            "shape": (
                "HF config.json of mistralai/Mistral-Small-24B-Instruct-2501 (as published there; "
                "that page is not in the stored corpora, so not re-read here); 40 layers and 8 KV "
                "heads x 128 confirmed by the #10615 log (KV 20.0 GiB at 131072)"
            ),
            "size": (
                "ollama.com/library/mistral-small:24b default tag: 14GB (Q4_K_M), as that page lists "
                "it (the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "mistral-small3.1:24b": {
        "architecture": "mistral3",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 131072,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 15500000000,
        "vision": {
            "image_size": 1540,
            "patch_size": 14,
            "num_channels": 3,
            "embedding_length": 1024,
            "head_count": 16,
            "weights_bytes": 806700000,
        },
        "sources": {
            "shape": (
                "HF config.json of mistralai/Mistral-Small-3.1-24B-Instruct-2503 (text_config; "
                "vision_config image 1540, patch 14, hidden 1024, 16 heads) (as published there; that "
                "page is not in the stored corpora, so not re-read here); the #10615 log's kv 20.0 "
                "GiB at 131072 and projector.graph 8.8 GiB reproduce exactly"
            ),
            "size": (
                "ollama.com/library/mistral-small3.1:24b default tag: 15GB (Q4_K_M), as that page "
                "lists it (the page is not in the stored corpora, so not re-read here); upper end of "
                "its rounding; vision weights 769.3 MiB from the #10615 log (projector.weights)"
            ),
        },
    },
    "qwen2.5:0.5b": {
        "architecture": "qwen2",
        "block_count": 24,
        "embedding_length": 896,
        "head_count": 14,
        "head_count_kv": 2,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 450000000,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-0.5B (HF config.json copy; ollama log #9031)",
            "size": (
                "ollama.com/library/qwen2.5:0.5b default tag: 398MB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen2.5:1.5b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 1536,
        "head_count": 12,
        "head_count_kv": 2,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 1040000000,
        "sources": {
            "shape": (
                "HF config.json of Qwen/Qwen2.5-1.5B-Instruct (as published there; that page is not "
                "in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/qwen2.5:1.5b default tag: 986MB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen2.5:3b": {
        "architecture": "qwen2",
        "block_count": 36,
        "embedding_length": 2048,
        "head_count": 16,
        "head_count_kv": 2,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 1929912432,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-3B (HF config.json)",
            "size": "ollama /api/tags, digest 357c53fb659c..., size 1929912432",
        },
    },
    "qwen2.5:7b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 3584,
        "head_count": 28,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 4683087332,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-7B (HF config.json; ollama log #7585)",
            "size": "ollama /api/tags, digest 845dbda0ea48..., size 4683087332",
        },
    },
    "qwen2.5:14b": {
        "architecture": "qwen2",
        "block_count": 48,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 9050000000,
        "sources": {
            "shape": (
                "HF Qwen/Qwen2.5-14B-Instruct config.json; n_layer 48 / n_embd 5120 / n_head 40 in "
                "the ollama #7024 log, output 152064 x 5120 Q6_K = 609.1 MiB nonrepeating in the "
                "#9245 log"
            ),
            "size": (
                "ollama.com/library/qwen2.5:14b default tag: 9.0GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen2.5:32b": {
        "architecture": "qwen2",
        "block_count": 64,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 19851349669,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-32B / Coder-32B (official HF config.json)",
            "size": "ollama /api/tags, digest 9f13ba1299af..., size 19851349669",
        },
    },
    "qwen2.5-coder:1.5b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 1536,
        "head_count": 12,
        "head_count_kv": 2,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 1040000000,
        "sources": {
            "shape": (
                "HF config.json of Qwen/Qwen2.5-Coder-1.5B-Instruct (as published there; that page is "
                "not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/qwen2.5-coder:1.5b default tag: 986MB (Q4_K_M), as that page "
                "lists it (the page is not in the stored corpora, so not re-read here); upper end of "
                "its rounding"
            ),
        },
    },
    "qwen2.5-coder:7b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 3584,
        "head_count": 28,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 4750000000,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-7B (lists qwen2.5-coder:7b as this shape)",
            "size": (
                "ollama.com/library/qwen2.5-coder:7b default tag: 4.7GB (Q4_K_M), as that page lists "
                "it (the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen2.5-coder:14b": {
        "architecture": "qwen2",
        "block_count": 48,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 9050000000,
        "sources": {
            "shape": (
                "HF Qwen/Qwen2.5-14B-Instruct config.json; n_layer 48 / n_embd 5120 / n_head 40 in "
                "the ollama #7024 log, output 152064 x 5120 Q6_K = 609.1 MiB nonrepeating in the "
                "#9245 log (Coder-14B has the same shape)"
            ),
            "size": (
                "ollama.com/library/qwen2.5-coder:14b default tag: 9.0GB (Q4_K_M), as that page lists "
                "it (the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen2.5-coder:32b": {
        "architecture": "qwen2",
        "block_count": 64,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 19851349898,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-32B / Coder-32B (official HF config.json)",
            "size": "ollama /api/tags, digest b92d6a0bd47e..., size 19851349898 (ollama list: 19 GB)",
        },
    },
    "qwen3:1.7b": {
        "architecture": "qwen3",
        "block_count": 28,
        "embedding_length": 2048,
        "head_count": 16,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 1450000000,
        "sources": {
            "shape": (
                "HF config.json of Qwen/Qwen3-1.7B (as published there; that page is not in the "
                "stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/qwen3:1.7b default tag: 1.4GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "qwen3:4b": {
        "architecture": "qwen3",
        "block_count": 36,
        "embedding_length": 2560,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": True,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 2650000000,
        "sources": {
            "shape": "model_metadata.csv row Qwen3-4B (HF config.json copy)",
            "size": (
                "ollama.com/library/qwen3:4b default tag: 2.5GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding "
                "(2.6 GB used: the 2507 re-push is 2.5GB, the first 2.6GB)"
            ),
        },
    },
    "qwen3:8b": {
        "architecture": "qwen3",
        "block_count": 36,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 5225388164,
        "sources": {
            "shape": "model_metadata.csv row Qwen3-8B (HF config.json copy)",
            "size": "ollama /api/tags, model ID 500a1f067a9f, size 5225388164",
        },
    },
    "qwen3:14b": {
        "architecture": "qwen3",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 9350000000,
        "sources": {
            "shape": ("model_metadata.csv row Qwen3-14B (NousCoder-14B config, base assumed identical there)"),
            "size": (
                "ollama.com/library/qwen3:14b default tag: 9.3GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "qwen3:30b": {
        "architecture": "qwen3moe",
        "block_count": 48,
        "embedding_length": 2048,
        "head_count": 32,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 19500000000,
        "sources": {
            "shape": (
                "HF config.json of Qwen/Qwen3-30B-A3B (as published there; that page is not in the "
                "stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/qwen3:30b default tag: 19GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "qwen3:32b": {
        "architecture": "qwen3",
        "block_count": 64,
        "embedding_length": 5120,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 40960,
        "quantization": "Q4_K_M",
        "size_bytes": 20500000000,
        "sources": {
            "shape": (
                "model_metadata.csv row Qwen3-32B (config copy; ollama log #10968 block_count 64 "
                "head_count 64 head_count_kv 8; file 18.81 GiB in log #14774)"
            ),
            "size": (
                "ollama.com/library/qwen3:32b default tag: 20GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "deepseek-r1:1.5b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 1536,
        "head_count": 12,
        "head_count_kv": 2,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 1150000000,
        "sources": {
            "shape": (
                "HF config.json of deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B (Qwen2.5-Math-1.5B "
                "shape, untied) (as published there; that page is not in the stored corpora, so not "
                "re-read here)"
            ),
            "size": (
                "ollama.com/library/deepseek-r1:1.5b default tag: 1.1GB (Q4_K_M), as that page lists "
                "it (the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "deepseek-r1:7b": {
        "architecture": "qwen2",
        "block_count": 28,
        "embedding_length": 3584,
        "head_count": 28,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 4750000000,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-7B (lists deepseek-r1:7b as this shape)",
            "size": (
                "ollama.com/library/deepseek-r1:7b default tag: 4.7GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "deepseek-r1:8b": {
        "architecture": "qwen3",
        "block_count": 36,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 151936,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 5250000000,
        "sources": {
            "shape": (
                "model_metadata.csv row Qwen3-8B; architecture qwen3 per public notes on model ID "
                "6995872bfe4c (R1-0528 distill)"
            ),
            "size": (
                "ollama list: deepseek-r1:8b 6995872bfe4c 5.2 GB (several public listings); upper "
                "bound of that rounding"
            ),
        },
    },
    "deepseek-r1:14b": {
        "architecture": "qwen2",
        "block_count": 48,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 9050000000,
        "sources": {
            "shape": (
                "HF Qwen/Qwen2.5-14B-Instruct config.json; n_layer 48 / n_embd 5120 / n_head 40 in "
                "the ollama #7024 log, output 152064 x 5120 Q6_K = 609.1 MiB nonrepeating in the "
                "#9245 log (the R1 Qwen-14B distill has this shape)"
            ),
            "size": (
                "ollama.com/library/deepseek-r1:14b default tag: 9.0GB (Q4_K_M), as that page lists "
                "it (the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "deepseek-r1:32b": {
        "architecture": "qwen2",
        "block_count": 64,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 152064,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 19851337809,
        "sources": {
            "shape": "model_metadata.csv row Qwen2.5-32B / Coder-32B (lists deepseek-r1:32b as this shape)",
            "size": "ollama /api/tags, digest edba8017331d..., family qwen2, size 19851337809",
        },
    },
    "deepseek-r1:70b": {
        "architecture": "llama",
        "block_count": 80,
        "embedding_length": 8192,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 128256,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 43500000000,
        "sources": {
            "shape": "model_metadata.csv row Llama-3-70B (lists deepseek-r1:70b as this shape)",
            "size": (
                "ollama.com/library/deepseek-r1:70b default tag: 43GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "gemma2:2b": {
        "architecture": "gemma2",
        "block_count": 26,
        "embedding_length": 2304,
        "head_count": 8,
        "head_count_kv": 4,
        "key_length": 256,
        "value_length": 256,
        "vocab_size": 256000,
        "tied_embeddings": True,
        "context_length": 8192,
        "quantization": "Q4_0",
        "size_bytes": 1650000000,
        "sources": {
            "shape": (
                "HF config.json of google/gemma-2-2b-it (as published there; that page is not in the "
                "stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/gemma2:2b default tag: 1.6GB (Q4_0), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "gemma2:9b": {
        "architecture": "gemma2",
        "block_count": 42,
        "embedding_length": 3584,
        "head_count": 16,
        "head_count_kv": 8,
        "key_length": 256,
        "value_length": 256,
        "vocab_size": 256000,
        "tied_embeddings": True,
        "context_length": 8192,
        "quantization": "Q4_0",
        "size_bytes": 5443152417,
        "sources": {
            "shape": "model_metadata.csv row Gemma-2-9B (HF config.json; ollama log #5331)",
            "size": "ollama /api/tags, digest ff02c3702f32..., 9.2B Q4_0, size 5443152417",
        },
    },
    "gemma2:27b": {
        "architecture": "gemma2",
        "block_count": 46,
        "embedding_length": 4608,
        "head_count": 32,
        "head_count_kv": 16,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 256000,
        "tied_embeddings": True,
        "context_length": 8192,
        "quantization": "Q4_0",
        "size_bytes": 16500000000,
        "sources": {
            "shape": "model_metadata.csv row Gemma-2-27B (config copy + ollama log #9842)",
            "size": (
                "ollama.com/library/gemma2:27b default tag: 16GB (Q4_0), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "gemma3:1b": {
        "architecture": "gemma3",
        "block_count": 26,
        "embedding_length": 1152,
        "head_count": 4,
        "head_count_kv": 1,
        "key_length": 256,
        "value_length": 256,
        "vocab_size": 262144,
        "tied_embeddings": True,
        "context_length": 32768,
        "quantization": "Q4_K_M",
        "size_bytes": 870000000,
        "sliding_window": 512,
        "sources": {
            "shape": (
                "model_metadata.csv row Gemma-3-1B (fine-tune config copy) + HF google/gemma-3-1b-it sliding_window 512"
            ),
            "size": (
                "ollama.com/library/gemma3:1b default tag: 815MB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding "
                "(text only)"
            ),
        },
    },
    "gemma3:4b": {
        "architecture": "gemma3",
        "block_count": 34,
        "embedding_length": 2560,
        "head_count": 8,
        "head_count_kv": 4,
        "key_length": 256,
        "value_length": 256,
        "vocab_size": 262208,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 3350000000,
        "sliding_window": 1024,
        "vision": {
            "image_size": 896,
            "patch_size": 14,
            "num_channels": 3,
            "embedding_length": 1152,
            "head_count": 16,
            "weights_bytes": 834700000,
        },
        "sources": {
            "shape": (
                "HF config.json "
                "https://huggingface.co/mlx-community/gemma-3-4b-it-bf16/blob/main/config.json (34 "
                "layers, 2560, sliding 1024; heads 8 / KV 4 / head_dim 256 are Gemma3TextConfig "
                "defaults it leaves out) (read in the stored docs corpus); 34 layers corroborated by "
                "ollama log #9848 (layers.model=35); vision tower SigLIP (image 896, patch 14, hidden "
                "1152, 16 heads) shared by gemma3 4b/12b/27b: projector.weights 795.9 MiB and "
                "projector.graph 1.0 GiB in the ollama #12000 and deep-research-at-home #14 logs"
            ),
            "size": (
                "ollama.com/library/gemma3:4b default tag: 3.3GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding "
                "(vision tower in the same blob)"
            ),
        },
    },
    "gemma3:12b": {
        "architecture": "gemma3",
        "block_count": 48,
        "embedding_length": 3840,
        "head_count": 16,
        "head_count_kv": 8,
        "key_length": 256,
        "value_length": 256,
        "vocab_size": 262208,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 8149190253,
        "sliding_window": 1024,
        "vision": {
            "image_size": 896,
            "patch_size": 14,
            "num_channels": 3,
            "embedding_length": 1152,
            "head_count": 16,
            "weights_bytes": 834700000,
        },
        "sources": {
            "shape": (
                "model_metadata.csv row Gemma-3-12B (HF config.json; ollama log deep-research-at-home "
                "#14); vision tower SigLIP (image 896, patch 14, hidden 1152, 16 heads) shared by "
                "gemma3 4b/12b/27b: projector.weights 795.9 MiB and projector.graph 1.0 GiB in the "
                "ollama #12000 and deep-research-at-home #14 logs"
            ),
            "size": (
                "ollama /api/tags, digest f4031aab637d..., 12.2B Q4_K_M, size 8149190253 (vision "
                "tower in the same blob)"
            ),
        },
    },
    "gemma3:27b": {
        "architecture": "gemma3",
        "block_count": 62,
        "embedding_length": 5376,
        "head_count": 32,
        "head_count_kv": 16,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 262208,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 17500000000,
        "sliding_window": 1024,
        "vision": {
            "image_size": 896,
            "patch_size": 14,
            "num_channels": 3,
            "embedding_length": 1152,
            "head_count": 16,
            "weights_bytes": 834700000,
        },
        "sources": {
            "shape": (
                "HF config.json of google/gemma-3-27b-it (text_config) (as published there; that page "
                "is not in the stored corpora, so not re-read here); 62 layers corroborated by ollama "
                "log #11162 (layers.model=63); vision tower SigLIP (image 896, patch 14, hidden 1152, "
                "16 heads) shared by gemma3 4b/12b/27b: projector.weights 795.9 MiB and "
                "projector.graph 1.0 GiB in the ollama #12000 and deep-research-at-home #14 logs"
            ),
            "size": (
                "ollama.com/library/gemma3:27b default tag: 17GB (Q4_K_M), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding "
                "(vision tower in the same blob)"
            ),
        },
    },
    "phi3:3.8b": {
        "architecture": "phi3",
        "block_count": 32,
        "embedding_length": 3072,
        "head_count": 32,
        "head_count_kv": 32,
        "key_length": 96,
        "value_length": 96,
        "vocab_size": 32064,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_0",
        "size_bytes": 2250000000,
        "sources": {
            "shape": (
                "HF config.json of microsoft/Phi-3-mini-128k-instruct (as published there; that page "
                "is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/phi3:3.8b default tag: 2.2GB (Q4_0), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "phi3:14b": {
        "architecture": "phi3",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 10,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32064,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "Q4_0",
        "size_bytes": 7950000000,
        "sources": {
            "shape": (
                "HF config.json of microsoft/Phi-3-medium-128k-instruct (as published there; that "
                "page is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/phi3:14b default tag: 7.9GB (Q4_0), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "phi4:14b": {
        "architecture": "phi3",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 10,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 100352,
        "tied_embeddings": False,
        "context_length": 16384,
        "quantization": "Q4_K_M",
        "size_bytes": 9060000000,
        "sources": {
            "shape": (
                "HF config.json "
                "https://huggingface.co/microsoft/phi-4/blob/refs%2Fpr%2F10/config.json (read in the "
                "stored docs corpus); n_vocab 100352 and 14.66 B parameters in the ollama #9782 log"
            ),
            "size": "file size 8.43 GiB (Q4_K_M) in the ollama #13552 log; ollama.com/library/phi4: 9.1GB",
        },
    },
    "gpt-oss:20b": {
        "architecture": "gptoss",
        "block_count": 24,
        "embedding_length": 2880,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 201088,
        "tied_embeddings": False,
        "context_length": 131072,
        "quantization": "MXFP4",
        "size_bytes": 14500000000,
        "sources": {
            "shape": (
                "HF config.json https://huggingface.co/keras/gpt_oss_20b_en/blob/main/task.json "
                "(KerasHub export of openai/gpt-oss-20b, head_dim 64) (read in the stored docs "
                "corpus)"
            ),
            "size": (
                "ollama.com/library/gpt-oss:20b default tag: 14GB (MXFP4), as that page lists it (the "
                "page is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
    "granite3.2:2b": {
        "architecture": "granite",
        "block_count": 40,
        "embedding_length": 2048,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 49155,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 1550000000,
        "sources": {
            "shape": (
                "HF config.json of an unsloth copy of ibm-granite/granite-3.2-2b-instruct, "
                "huggingface.co/unsloth/granite-3.2-2b-instruct config.json @918d237 (read in the "
                "stored docs corpus)"
            ),
            "size": (
                "ollama.com/library/granite3.2:2b default tag: 1.5GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "granite3.2:8b": {
        "architecture": "granite",
        "block_count": 40,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 49155,
        "tied_embeddings": True,
        "context_length": 131072,
        "quantization": "Q4_K_M",
        "size_bytes": 4950000000,
        "sources": {
            "shape": (
                "HF config.json of ibm-granite/granite-3.1-8b-instruct, "
                "huggingface.co/ibm-granite/granite-3.1-8b-instruct config.json @96fedcd (3.2 keeps "
                "the 3.1 shape) (read in the stored docs corpus)"
            ),
            "size": (
                "ollama.com/library/granite3.2:8b default tag: 4.9GB (Q4_K_M), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "codellama:7b": {
        "architecture": "llama",
        "block_count": 32,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 32,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32016,
        "tied_embeddings": False,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 3850000000,
        "sources": {
            "shape": (
                "HF config.json of codellama/CodeLlama-7b-Instruct-hf (as published there; that page "
                "is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/codellama:7b default tag: 3.8GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "codellama:13b": {
        "architecture": "llama",
        "block_count": 40,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 40,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32016,
        "tied_embeddings": False,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 7450000000,
        "sources": {
            "shape": (
                "HF config.json of codellama/CodeLlama-13b-Instruct-hf (as published there; that page "
                "is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/codellama:13b default tag: 7.4GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "codellama:34b": {
        "architecture": "llama",
        "block_count": 48,
        "embedding_length": 8192,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 32000,
        "tied_embeddings": False,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 19500000000,
        "sources": {
            "shape": (
                "HF config.json of codellama/CodeLlama-34b-Instruct-hf (as published there; that page "
                "is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/codellama:34b default tag: 19GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "starcoder2:3b": {
        "architecture": "starcoder2",
        "block_count": 30,
        "embedding_length": 3072,
        "head_count": 24,
        "head_count_kv": 2,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 49152,
        "tied_embeddings": None,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 1750000000,
        "sources": {
            "shape": (
                "HF config.json "
                "https://huggingface.co/bigcode/starcoder2-3b/blob/refs%2Fpr%2F3/config.json (no "
                "tie_word_embeddings key) (read in the stored docs corpus)"
            ),
            "size": (
                "ollama.com/library/starcoder2:3b default tag: 1.7GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "starcoder2:7b": {
        "architecture": "starcoder2",
        "block_count": 32,
        "embedding_length": 4608,
        "head_count": 36,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 49152,
        "tied_embeddings": None,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 4050000000,
        "sources": {
            "shape": (
                "HF config.json of bigcode/starcoder2-7b (as published there; that page is not in the "
                "stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/starcoder2:7b default tag: 4.0GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "starcoder2:15b": {
        "architecture": "starcoder2",
        "block_count": 40,
        "embedding_length": 6144,
        "head_count": 48,
        "head_count_kv": 4,
        "key_length": 128,
        "value_length": 128,
        "vocab_size": 49152,
        "tied_embeddings": None,
        "context_length": 16384,
        "quantization": "Q4_0",
        "size_bytes": 9150000000,
        "sources": {
            "shape": (
                "HF config.json of bigcode/starcoder2-15b (as published there; that page is not in "
                "the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/starcoder2:15b default tag: 9.1GB (Q4_0), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "nomic-embed-text": {
        "architecture": "nomic-bert",
        "block_count": 12,
        "embedding_length": 768,
        "head_count": 12,
        "head_count_kv": 12,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 30522,
        "tied_embeddings": True,
        "context_length": 2048,
        "quantization": "F16",
        "size_bytes": 330000000,
        "embedding": True,
        "sources": {
            "shape": (
                "HF config.json of nomic-ai/nomic-embed-text-v1.5 (as published there; that page is "
                "not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/nomic-embed-text default tag: 274MB (F16), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "mxbai-embed-large": {
        "architecture": "bert",
        "block_count": 24,
        "embedding_length": 1024,
        "head_count": 16,
        "head_count_kv": 16,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 30522,
        "tied_embeddings": True,
        "context_length": 512,
        "quantization": "F16",
        "size_bytes": 720000000,
        "embedding": True,
        "sources": {
            "shape": (
                "HF config.json of mixedbread-ai/mxbai-embed-large-v1 (as published there; that page "
                "is not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/mxbai-embed-large default tag: 670MB (F16), as that page lists it "
                "(the page is not in the stored corpora, so not re-read here); upper end of its "
                "rounding"
            ),
        },
    },
    "bge-m3": {
        "architecture": "bert",
        "block_count": 24,
        "embedding_length": 1024,
        "head_count": 16,
        "head_count_kv": 16,
        "key_length": 64,
        "value_length": 64,
        "vocab_size": 250002,
        "tied_embeddings": True,
        "context_length": 8192,
        "quantization": "F16",
        "size_bytes": 1250000000,
        "embedding": True,
        "sources": {
            "shape": (
                "HF config.json of BAAI/bge-m3 (XLM-RoBERTa large) (as published there; that page is "
                "not in the stored corpora, so not re-read here)"
            ),
            "size": (
                "ollama.com/library/bge-m3 default tag: 1.2GB (F16), as that page lists it (the page "
                "is not in the stored corpora, so not re-read here); upper end of its rounding"
            ),
        },
    },
}

# The tag `ollama pull NAME` (or NAME:latest) fetches: the library's "latest"
# tag of each family in the catalog (ollama.com/library/<family>).
LLM_DEFAULT_TAGS = {
    "llama3": "llama3:8b",
    "llama3.1": "llama3.1:8b",
    "llama3.2": "llama3.2:3b",
    "llama3.3": "llama3.3:70b",
    "llama3.2-vision": "llama3.2-vision:11b",
    "llava": "llava:7b",
    "mistral": "mistral:7b",
    "mistral-nemo": "mistral-nemo:12b",
    "mistral-small": "mistral-small:24b",
    "mistral-small3.1": "mistral-small3.1:24b",
    "qwen2.5": "qwen2.5:7b",
    "qwen2.5-coder": "qwen2.5-coder:7b",
    "qwen3": "qwen3:8b",
    "deepseek-r1": "deepseek-r1:8b",
    "gemma2": "gemma2:9b",
    "gemma3": "gemma3:4b",
    "phi3": "phi3:3.8b",
    "phi4": "phi4:14b",
    "gpt-oss": "gpt-oss:20b",
    "granite3.2": "granite3.2:8b",
    "codellama": "codellama:7b",
    "starcoder2": "starcoder2:3b",
    "nomic-embed-text": "nomic-embed-text",
    "mxbai-embed-large": "mxbai-embed-large",
    "bge-m3": "bge-m3",
}
LLM_ALIASES = {}
for _family, _tag in LLM_DEFAULT_TAGS.items():
    if _family != _tag:
        LLM_ALIASES[_family] = _tag
    LLM_ALIASES[_family + ":latest"] = _tag


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
