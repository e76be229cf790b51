#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: gpu_facts
short_description: Detect the GPUs of a host and the NVIDIA container runtime as facts
version_added: 0.1.0
description:
  - Lists every physical GPU of the host in C(ansible_facts.ai_stack_gpus), one entry per card, with its
    memory, driver and generation, for the VRAM planning filters and the roles of the stack.
  - NVIDIA cards are read from one C(nvidia-smi -q -x) call, AMD cards from C(rocm-smi --json) or
    C(amd-smi static --json). The tools are looked up on E(PATH), so a recorded stand-in can replace them.
  - Cards no vendor tool reports (no driver installed yet, a failed driver, an integrated GPU) are found in
    sysfs (C(/sys/class/drm/card*/device) and the display controllers of C(/sys/bus/pci/devices)) and named
    with C(lspci -nn) when it is installed. Their C(kernel_driver) is V(null) when no driver is bound.
  - Server BMC and virtual machine display adapters (ASPEED, Matrox, QEMU, virtio, VMware, Hyper-V) are not GPUs
    and are left out. SR-IOV virtual functions are folded into their physical GPU.
  - >-
    Never changes the host. A host without a GPU gets an empty list. A failing tool (for example
    C(Failed to initialize NVML: Driver/library version mismatch)) or an C(attached_gpus) count that disagrees
    with the GPUs described becomes a warning, never a failure.
author:
  - homelab.ai_stack contributors (!UNKNOWN)
options:
  sysfs_root:
    description:
      - Root of the sysfs tree to scan for cards no vendor tool reported.
      - Tests point it at a recorded tree. C(lspci) is only asked for names when this is C(/sys), the tree it reads.
    type: path
    default: /sys
  docker_daemon_json:
    description:
      - Docker daemon configuration read to see whether the C(nvidia) runtime is registered.
    type: path
    default: /etc/docker/daemon.json
  command_timeout:
    description:
      - Seconds each vendor tool may run. A hung GPU can make C(nvidia-smi) block forever; past this the tool is
        stopped (with C(timeout) from coreutils, when installed) and a warning is returned.
    type: int
    default: 30
extends_documentation_fragment:
  - homelab.ai_stack.attributes.facts
notes:
  - Parsing lives in C(plugins/module_utils/_gpu.py) and is tested against recorded outputs of real machines.
  - C(index) is the device number of the GPU's vendor runtime (what C(NVIDIA_VISIBLE_DEVICES) or
    C(ROCR_VISIBLE_DEVICES) take), so it is unique per vendor, not across the list.
seealso:
  - name: NVIDIA System Management Interface
    description: The C(nvidia-smi) tool whose XML output this module reads.
    link: https://docs.nvidia.com/deploy/nvidia-smi/index.html
"""

EXAMPLES = r"""
- name: Detect GPUs
  homelab.ai_stack.gpu_facts:

- name: Show the GPUs found
  ansible.builtin.debug:
    msg: "{{ item.name }} ({{ item.memory_total_mib }} MiB, {{ item.architecture | default('unknown', true) }})"
  loop: "{{ ansible_facts['ai_stack_gpus'] }}"
  loop_control:
    label: "{{ item.vendor }} {{ item.index }}"

- name: Require the NVIDIA container runtime
  ansible.builtin.assert:
    that: ansible_facts['ai_stack_nvidia_container_runtime']
    fail_msg: Install the NVIDIA Container Toolkit (role homelab.ai_stack.nvidia).
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: complex
  contains:
    ai_stack_gpus:
      description: One entry per physical GPU, NVIDIA first, then AMD, Intel and others, each by index.
      returned: always
      type: list
      elements: dict
      sample:
        - index: 0
          vendor: nvidia
          name: NVIDIA GeForce RTX 3060
          uuid: GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625
          pci_bus_id: "0000:2d:00.0"
          pci_id: "10de:2487"
          memory_total_mib: 12288
          memory_used_mib: 116
          memory_free_mib: 11806
          memory_reserved_mib: 368
          driver_version: "570.124.04"
          cuda_version: "12.8"
          compute_capability: "8.6"
          architecture: Ampere
          gfx_target: null
          mig_mode: null
          mig_devices: []
          kernel_driver: nvidia
          source: nvidia-smi
      contains:
        index:
          description: Device number in the vendor's runtime (nvidia-smi and CUDA order for NVIDIA), unique per vendor.
          type: int
          returned: always
        vendor:
          description: Who made the GPU.
          type: str
          returned: always
          choices: [nvidia, amd, intel, unknown]
        name:
          description: Product name as the tool prints it, or the PCI id when nothing better is known.
          type: str
          returned: always
        uuid:
          description: Stable identifier (NVIDIA C(GPU-...)), or V(null).
          type: str
          returned: always
        pci_bus_id:
          description: PCI address in the Linux form C(0000:2d:00.0), or V(null) when the tool does not say.
          type: str
          returned: always
        pci_id:
          description: PCI C(vendor:device) id, for example C(10de:2487), or V(null).
          type: str
          returned: always
        memory_total_mib:
          description: Video memory in MiB; V(0) when unknown (integrated GPU, card without driver).
          type: int
          returned: always
        memory_used_mib:
          description: Video memory in use, in MiB, or V(null) when unknown.
          type: int
          returned: always
        memory_free_mib:
          description: Video memory free, in MiB, or V(null) when unknown.
          type: int
          returned: always
        memory_reserved_mib:
          description: Video memory the NVIDIA driver reserves for itself, in MiB, or V(null).
          type: int
          returned: always
        driver_version:
          description: Version of the driver in use, or V(null).
          type: str
          returned: always
        cuda_version:
          description: Highest CUDA version the NVIDIA driver supports, or V(null).
          type: str
          returned: always
        compute_capability:
          description: CUDA compute capability such as C(8.6), or V(null) when neither name nor PCI id is known.
          type: str
          returned: always
        architecture:
          description: Generation such as C(Pascal), C(Ampere), C(Ada Lovelace), C(Hopper), C(CDNA2), C(RDNA3), or
            V(null).
          type: str
          returned: always
        gfx_target:
          description: AMD LLVM target such as C(gfx1101), or V(null).
          type: str
          returned: always
        mig_mode:
          description: Whether NVIDIA Multi-Instance GPU mode is on; V(null) when the card cannot do MIG.
          type: bool
          returned: always
        mig_devices:
          description: MIG instances with their memory (keys C(index), C(gpu_instance_id), C(compute_instance_id),
            C(multiprocessor_count), C(memory_total_mib), C(memory_used_mib), C(memory_free_mib)).
          type: list
          elements: dict
          returned: always
        kernel_driver:
          description: Kernel driver bound to the card (C(nvidia), C(nouveau), C(amdgpu), C(i915)), V(null) when none.
          type: str
          returned: always
        source:
          description: Where the entry came from.
          type: str
          returned: always
          choices: [nvidia-smi, rocm-smi, amd-smi, sysfs, lspci]
    ai_stack_gpu_count:
      description: Number of entries in RV(ansible_facts.ai_stack_gpus).
      returned: always
      type: int
      sample: 1
    ai_stack_nvidia_container_runtime:
      description:
        - Whether the NVIDIA Container Toolkit runtime is installed (C(nvidia-container-runtime) on E(PATH)) and
          registered with Docker (a C(nvidia) runtime in O(docker_daemon_json) or in C(docker info)).
      returned: always
      type: bool
      sample: true
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.homelab.ai_stack.plugins.module_utils import _gpu_detect  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec={
            "sysfs_root": {"type": "path", "default": "/sys"},
            "docker_daemon_json": {"type": "path", "default": "/etc/docker/daemon.json"},
            "command_timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    if module.params["command_timeout"] < 1:
        module.fail_json(msg=f"command_timeout must be at least 1 second, got {module.params['command_timeout']}")
    module.exit_json(changed=False, ansible_facts=_gpu_detect.gpu_facts(module, **module.params))


if __name__ == "__main__":
    main()
