"""CPU flags from /proc/cpuinfo (or torch's capability), the model name, and the machine facts of a benchmark row."""
import os

import torch

from jointie_allennlp.precision import cpu

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512_bf16 avx512_vnni amx_bf16 amx_tile amx_int8

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512_bf16 avx512_vnni amx_bf16 amx_tile amx_int8
"""
AMD_CPUINFO = """processor\t: 0
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
flags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni
"""


def test_a_generic_model_name_gets_the_family_and_model_numbers(tmp_path, monkeypatch):
    path = tmp_path / "cpuinfo"
    path.write_text(AMD_CPUINFO)
    monkeypatch.setattr(cpu, "CPUINFO", path)
    cpu.cpu_model.cache_clear()
    try:
        assert cpu.cpu_model() == "AMD EPYC (family 25, model 17)"
    finally:
        cpu.cpu_model.cache_clear()


def test_flags_and_model_name_come_from_cpuinfo(tmp_path, monkeypatch):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    monkeypatch.setattr(cpu, "CPUINFO", path)
    cpu.cpu_features.cache_clear(), cpu.cpu_model.cache_clear()
    try:
        features = cpu.cpu_features()
        assert {"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"} <= features and "neon" not in features
        assert cpu.cpu_model() == "Intel(R) Xeon(R) Platinum 8480+"
        assert cpu.has_native_bf16() is True
        assert cpu.precision_flags() == ["avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8",
                                         "amx_tile"]
    finally:
        cpu.cpu_features.cache_clear(), cpu.cpu_model.cache_clear()


def test_without_cpuinfo_the_flags_follow_torchs_capability(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu, "CPUINFO", tmp_path / "absent")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    cpu.cpu_features.cache_clear()
    try:
        assert cpu.cpu_features() == frozenset({"avx2", "avx512f"})
        assert cpu.has_native_bf16() is False
    finally:
        cpu.cpu_features.cache_clear()


def test_native_bf16_needs_a_bf16_flag():
    assert cpu.has_native_bf16(frozenset({"avx2", "avx512f", "avx512_vnni"})) is False
    assert cpu.has_native_bf16(frozenset({"avx2", "avx512_bf16"})) is True
    assert cpu.has_native_bf16(frozenset({"amx_bf16"})) is True
    assert cpu.has_native_bf16(frozenset({"asimd", "bf16"})) is True  # ARMv8.6


def test_machine_facts_hold_cpu_flags_load_and_threads():
    facts = cpu.machine_facts(threads=3)
    assert facts["cpu_model"] == cpu.cpu_model() and facts["cpu_model"]
    assert facts["cpu_flags"] == [flag for flag in cpu.PRECISION_FLAGS if flag in cpu.cpu_features()]
    assert facts["threads"] == 3 and facts["cpus"] == os.cpu_count()
    assert facts["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert len(facts["load_averages"]) == 3 and all(value >= 0 for value in facts["load_averages"])
    assert facts["load_average"] == facts["load_averages"][0] or abs(facts["load_average"] - os.getloadavg()[0]) < 5
    assert cpu.machine_facts()["threads"] == torch.get_num_threads()
