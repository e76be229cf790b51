# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU detection on the host: runs the vendor tools and hands their output to module_utils._gpu.

Shared by homelab.ai_stack.gpu_facts and homelab.ai_stack.host_facts (option C(gpus)), so the
common role reads the host and its GPUs in one module run.
"""

from __future__ import annotations

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu


class Detector:
    """Runs the vendor tools; everything it reads is parsed by module_utils._gpu."""

    def __init__(self, module, sysfs_root="/sys", docker_daemon_json="/etc/docker/daemon.json", command_timeout=30):
        self.module = module
        self.sysfs_root = sysfs_root
        self.docker_daemon_json = docker_daemon_json
        self.command_timeout = command_timeout
        self.timeout_bin = module.get_bin_path("timeout")

    def run(self, argv):
        if self.timeout_bin:
            argv = [self.timeout_bin, str(self.command_timeout), *argv]
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C"})
        if self.timeout_bin and rc == 124:
            tool, seconds = argv[2], self.command_timeout
            self.module.warn(
                f"{tool} did not answer within {seconds} seconds (a hung GPU or driver?); its GPUs are left out"
            )
            return None
        return rc, out, err

    def parse(self, tool, parser, output):
        try:
            gpus, warnings = parser(output)
        except ValueError as exc:
            self.module.warn(f"{tool}: {exc}")
            return []
        for warning in warnings:
            self.module.warn(warning)
        return gpus

    def nvidia(self):
        binary = self.module.get_bin_path("nvidia-smi")
        if not binary:
            return []
        result = self.run([binary, "-q", "-x"])
        if result is None:
            return []
        rc, out, err = result
        if rc != 0:
            message = _gpu.nvidia_smi_failure(rc, out, err)
            if message:
                self.module.warn(message)
            return []
        return self.parse("nvidia-smi", _gpu.parse_nvidia_smi_xml, out)

    def amd(self):
        rocm_smi = self.module.get_bin_path("rocm-smi")
        if rocm_smi:
            result = self.run([rocm_smi, *_gpu.ROCM_SMI_ARGS])
            if result and result[0] == 0:
                gpus = self.parse("rocm-smi", _gpu.parse_rocm_smi_json, result[1])
                if gpus:
                    return gpus
        # amd-smi replaces rocm-smi from ROCm 6; it knows no used memory, so it comes second.
        amd_smi = self.module.get_bin_path("amd-smi")
        if amd_smi:
            result = self.run([amd_smi, "static", "--json"])
            if result and result[0] == 0:
                return self.parse("amd-smi", _gpu.parse_amd_smi_json, result[1])
        return []

    def fallback(self):
        gpus, _warnings = _gpu.scan_sysfs(self.sysfs_root)
        lspci = self.module.get_bin_path("lspci")
        if not lspci or self.sysfs_root.rstrip("/") != "/sys":
            return gpus
        result = self.run([lspci, "-nn", "-D"])
        if not result or result[0] != 0:
            return gpus
        if gpus:
            return _gpu.name_from_lspci(gpus, result[1])
        return _gpu.gpus_from_lspci(result[1])[0]

    def container_runtime(self):
        if not self.module.get_bin_path("nvidia-container-runtime"):
            return False
        try:
            with open(self.docker_daemon_json, encoding="utf-8") as handle:
                if _gpu.nvidia_runtime_in_daemon_json(handle.read()):
                    return True
        except OSError:
            pass
        docker = self.module.get_bin_path("docker")
        if not docker:
            return False
        result = self.run([docker, "info", "--format", "{{json .Runtimes}}"])
        return bool(result) and result[0] == 0 and _gpu.nvidia_runtime_in_docker_info(result[1])


def gpu_facts(module, **settings):
    """The ansible_facts gpu_facts sets: ai_stack_gpus, ai_stack_gpu_count, ai_stack_nvidia_container_runtime."""
    detector = Detector(module, **settings)
    gpus = _gpu.merge_gpus(detector.nvidia() + detector.amd(), detector.fallback())
    for gpu in gpus:
        if gpu["source"] == "sysfs" and gpu["vendor"] in ("nvidia", "amd") and not gpu["kernel_driver"]:
            vendor = _gpu.VENDOR_LABELS[gpu["vendor"]]
            module.warn(
                f"{vendor} GPU {gpu['pci_bus_id']} ({gpu['name']}) has no kernel driver bound; "
                "it cannot run workloads until the driver is installed"
            )
    return {
        "ai_stack_gpus": gpus,
        "ai_stack_gpu_count": len(gpus),
        "ai_stack_nvidia_container_runtime": detector.container_runtime(),
    }
