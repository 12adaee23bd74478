"""
What the CPU offers for inference: its instruction-set flags (from `/proc/cpuinfo`, else torch's
`torch.backends.cpu.get_cpu_capability()`), its model name, and the facts a benchmark row records
about the machine it ran on (`machine_facts`).
"""
import functools
import os
import platform
from pathlib import Path
from typing import Dict, FrozenSet, Optional

#: the flags that decide the inference precision (x86 names as in /proc/cpuinfo; `bf16` on ARM)
PRECISION_FLAGS = (
    "avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile", "bf16",
)
#: flags that mean matrix products in bfloat16 run natively (AVX-512 BF16, AMX, ARMv8.6 BF16)
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})

CPUINFO = Path("/proc/cpuinfo")
# torch's capability names -> the flags each one implies
_CAPABILITY_FLAGS = {"AVX2": {"avx2"}, "AVX512": {"avx2", "avx512f"}, "AVX512_BF16": {"avx2", "avx512f", "avx512_bf16"}}


def _cpuinfo_fields() -> Dict[str, str]:
    """The first value of each field of `CPUINFO` (one processor's description), or `{}` without the file."""
    fields: Dict[str, str] = {}
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fields
    for line in text.splitlines():
        name, separator, value = line.partition(":")
        if separator:
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


@functools.lru_cache(maxsize=None)
def cpu_features() -> FrozenSet[str]:
    """
    The CPU's instruction-set flags, lower case: the `flags` (x86) or `Features` (ARM) line of
    /proc/cpuinfo; where there is no such file, the flags implied by
    `torch.backends.cpu.get_cpu_capability()` (e.g. `AVX512` -> `avx2`, `avx512f`).
    """
    fields = _cpuinfo_fields()
    line = fields.get("flags") or fields.get("features")
    if line:
        return frozenset(line.lower().split())
    import torch

    return frozenset(_CAPABILITY_FLAGS.get(torch.backends.cpu.get_cpu_capability(), set()))


@functools.lru_cache(maxsize=None)
def cpu_model() -> str:
    """
    The CPU's model name (/proc/cpuinfo `model name`) with its `cpu family` and `model` numbers when
    given (a virtual machine may name only the vendor's line, e.g. "AMD EPYC", for CPUs of several
    generations), else `platform.processor()` or the machine type.
    """
    fields = _cpuinfo_fields()
    name = fields.get("model name") or fields.get("hardware") or platform.processor() or platform.machine()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def has_native_bf16(features: Optional[FrozenSet[str]] = None) -> bool:
    """Whether the CPU (default: this one) has bfloat16 matrix instructions (see `NATIVE_BF16_FLAGS`)."""
    return bool((cpu_features() if features is None else features) & NATIVE_BF16_FLAGS)


def precision_flags(features: Optional[FrozenSet[str]] = None) -> list:
    """The flags of `PRECISION_FLAGS` the CPU (default: this one) has, in that order."""
    features = cpu_features() if features is None else features
    return [flag for flag in PRECISION_FLAGS if flag in features]


def machine_facts(threads: Optional[int] = None) -> Dict[str, object]:
    """
    What a benchmark row records about where it ran: `cpu_model`, `cpu_flags` (those of
    `PRECISION_FLAGS` present), `cpu_capability` (torch's), `cpus` (logical CPUs), `threads` (the
    torch threads given, else this process's `torch.get_num_threads()`), `load_average` (over the
    last minute) and `load_averages` (1, 5 and 15 minutes), at the call.
    """
    import torch

    loads = os.getloadavg()
    return {
        "cpu_model": cpu_model(),
        "cpu_flags": precision_flags(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpus": os.cpu_count(),
        "threads": threads if threads else torch.get_num_threads(),
        "load_average": round(loads[0], 2),
        "load_averages": [round(value, 2) for value in loads],
    }
