"""The Cortex-M target: generated folders cross-compiled with arm-none-eabi-gcc, run on
QEMU's boards (mps2-an386 = M4, mps2-an500 = M7, mps3-an547 = M55) through stai's
semihosting harness, outputs compared with the reference runtimes, instructions counted,
footprint read from the link map and checked against arm-none-eabi-size.

The toolchain comes from `make setup` (Debian's gcc-arm-none-eabi,
libnewlib-arm-none-eabi, qemu-system-arm); without it these tests fail saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cmsis_tree import stand_in_cmsis_tree
from shared_models import SHARED_BY_KEY, random_inputs

from stai.boards.runner import TargetModel
from stai.compiler.driver import generate
from stai.errors import StaiError
from stai.tools.reference import run_litert_ref, run_tflm

TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")


@pytest.fixture(scope="session")
def target_tools() -> None:
    """Fail (not skip) when the target toolchain is missing."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: run `make setup` (installs gcc-arm-none-eabi "
            "libnewlib-arm-none-eabi qemu-system-arm)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def target_model(
    target_tools: None, tmp_path_factory: pytest.TempPathFactory, shared_model_path
) -> Callable[[str, str], TargetModel]:
    """``target_model(model_key, target) -> TargetModel``, built once per session."""
    cache: dict[tuple[str, str], TargetModel] = {}
    root = tmp_path_factory.mktemp("target")

    def get(key: str, target: str) -> TargetModel:
        if (key, target) not in cache:
            out = root / f"{key}_{target}"
            generate(shared_model_path(key), out, name=key, target=target)
            cache[key, target] = TargetModel(
                out, work_dir=root / f"{key}_{target}_build", cmsis_nn_path=""
            )
        return cache[key, target]

    return get


def _samples(key: str, models_dir: Path, path: Path, n_random: int) -> list[list[np.ndarray]]:
    """The model's known samples, then seeded random ones."""
    known = [s.inputs for s in SHARED_BY_KEY[key].samples(models_dir)]
    return known + random_inputs(path, n_random, seed=7, float_range=SHARED_BY_KEY[key].float_range)


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
@pytest.mark.parametrize("key", ["kws_int8", "hello_world_int8", "ad_int8"])
def test_int8_bit_exact_on_target(key, target, target_model, models_dir, shared_model_path):
    path = shared_model_path(key)
    samples = _samples(key, models_dir, path, 2)
    model = target_model(key, target)
    result = model.run_many(samples)
    assert len(result.samples) == len(samples)
    for sample, inputs in zip(result.samples, samples):
        (expected,) = run_tflm(path, inputs)
        np.testing.assert_array_equal(sample.outputs[0], expected)
        assert sample.status == 0
    # Instructions: counted for every inference, identical for identical inputs, and
    # split into the generated code and the library's kernels (the rest is the call
    # itself). stai's micro-kernels are inlined into the generated code: a model that runs
    # only those (AD) spends nothing in the library.
    again = model.run_many(samples[:1])
    first = result.samples[0]
    assert first.instructions == again.samples[0].instructions
    for s in result.samples:
        assert s.instructions > 0
        assert 0 < s.network_instructions <= s.instructions
        assert 0 <= s.kernel_instructions < s.instructions
        assert s.network_instructions + s.kernel_instructions <= s.instructions
        assert 0 < s.stack_bytes < model.footprint.ram_stack_reserved


def test_float_on_cortex_m7_within_tolerance(target_model, models_dir, shared_model_path):
    key = "ad_float"
    path = shared_model_path(key)
    samples = _samples(key, models_dir, path, 1)
    result = target_model(key, "cortex-m7").run_many(samples)
    for sample, inputs in zip(result.samples, samples):
        (expected,) = run_litert_ref(path, inputs)
        bound = 1e-4 * max(1.0, float(np.max(np.abs(expected))))
        assert float(np.max(np.abs(sample.outputs[0] - expected))) <= bound


def _size(tool_args: list[str]) -> str:
    return subprocess.run(
        ["arm-none-eabi-size", *tool_args], capture_output=True, text=True, check=True
    ).stdout


def test_footprint_matches_arm_none_eabi_size(target_model):
    model = target_model("kws_int8", "cortex-m4")
    fp = model.footprint
    text, data, bss = (int(v) for v in _size([str(model.firmware.elf)]).splitlines()[1].split()[:3])
    assert fp.flash == text + data
    assert fp.ram == data + bss
    assert fp.flash == fp.flash_network_code + fp.flash_kernels + fp.flash_weights + fp.flash_other
    assert fp.ram == fp.ram_arena + fp.ram_data + fp.ram_bss + fp.ram_stack_reserved
    assert fp.ram_arena == model.meta["activations_bytes"]
    # The weights are the constants of NAME_data.o, as the object file itself says.
    data_obj = next((model.firmware.work_dir / "net" / "build").rglob("kws_int8_data.o"))
    sections = {}
    for line in _size(["-A", str(data_obj)]).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[0].startswith(".rodata"):
            sections[parts[0]] = int(parts[1])
    assert fp.flash_weights == sum(sections.values())
    assert fp.flash_weights > 20_000  # KWS holds about 23 k int8 weights
    assert fp.flash_network_code > 0 and fp.flash_kernels > 0


def test_generated_folder_for_target(target_tools, tmp_path, shared_model_path):
    out = tmp_path / "hw"
    generate(shared_model_path("hello_world_int8"), out, name="hw", target="cortex-m55")
    makefile = (out / "Makefile").read_text()
    assert "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard" in makefile
    assert (out / "hw_target.h").is_file()
    assert '"target": "cortex-m55"' in (out / "hw.json").read_text()
    # The folder builds with its defaults (cross-compiler and target flags) ...
    env = {k: v for k, v in os.environ.items() if k != "CMSIS_NN_PATH"}
    subprocess.run(["make", "-s", "-C", str(out)], check=True, capture_output=True, env=env)
    objdump = subprocess.run(
        ["arm-none-eabi-readelf", "-A", str(out / "build/portable/hw.o")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Cortex-M55" in objdump or "v8.1-M" in objdump
    # ... and for the host with STAI_TARGET=host.
    subprocess.run(["make", "-s", "-C", str(out), "clean"], check=True)
    subprocess.run(
        ["make", "-s", "-C", str(out), "STAI_TARGET=host"], check=True, capture_output=True, env=env
    )


def test_mixed_float_abi_is_a_build_error(target_tools, tmp_path, shared_model_path):
    out = tmp_path / "hw"
    generate(shared_model_path("hello_world_int8"), out, name="hw", target="cortex-m4")
    env = {k: v for k, v in os.environ.items() if k != "CMSIS_NN_PATH"}
    proc = subprocess.run(
        ["make", "-C", str(out), "CFLAGS=-O2 -mfloat-abi=softfp"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode != 0
    assert "-mfloat-abi=softfp" in proc.stderr and "mixing float ABIs" in proc.stderr
    # An application file compiled with another ABI stops at the target header.
    app = tmp_path / "app.c"
    app.write_text('#include "hw_target.h"\n#include "hw.h"\nint main(void) { return 0; }\n')
    proc = subprocess.run(
        [
            "arm-none-eabi-gcc",
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=softfp",
            "-mfpu=fpv4-sp-d16",
            f"-I{out}",
            "-c",
            str(app),
            "-o",
            str(tmp_path / "app.o"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "hard-float ABI" in proc.stderr
    proc = subprocess.run(
        [
            "arm-none-eabi-gcc",
            "-mcpu=cortex-m4",
            "-mthumb",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
            f"-I{out}",
            "-c",
            str(app),
            "-o",
            str(tmp_path / "app.o"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_host_folder_is_refused(target_tools, tmp_path, shared_model_path):
    out = tmp_path / "hw"
    generate(shared_model_path("hello_world_int8"), out, name="hw")
    with pytest.raises(StaiError, match="generated for the host"):
        TargetModel(out)


def test_missing_toolchain_names_the_packages(tmp_path, shared_model_path, monkeypatch):
    out = tmp_path / "hw"
    generate(shared_model_path("hello_world_int8"), out, name="hw", target="cortex-m4")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(
        StaiError, match="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
    ):
        TargetModel(out)


def test_qemu_run_has_a_time_limit(target_model):
    model = target_model("hello_world_int8", "cortex-m4")
    saved = model.timeout
    model.timeout = 1e-3
    try:
        with pytest.raises(StaiError, match="did not finish within"):
            model.run_many([[np.zeros((1, 1), np.int8)]])
    finally:
        model.timeout = saved


def test_bad_inputs_are_reported(target_model):
    model = target_model("hello_world_int8", "cortex-m4")
    with pytest.raises(StaiError, match="expected"):
        model.run_many([[np.zeros((1, 2), np.int8)]])
    with pytest.raises(StaiError, match="takes 1 inputs"):
        model.run_many([[]])


def test_unknown_target_is_a_one_line_error(tmp_path, shared_model_path):
    with pytest.raises(StaiError, match="unknown target 'cortex-m99'"):
        generate(shared_model_path("hello_world_int8"), tmp_path / "x", target="cortex-m99")


def test_cli_generate_target(tmp_path, shared_model_path):
    from stai.cli.main import main

    out = tmp_path / "cli"
    with pytest.raises(SystemExit) as stop:
        main(
            [
                "generate",
                "-m",
                str(shared_model_path("hello_world_int8")),
                "-o",
                str(out),
                "--target",
                "cortex-m7",
            ]
        )
    assert stop.value.code == 0
    assert "-mcpu=cortex-m7" in (out / "Makefile").read_text()
    assert os.path.isfile(out / "network_target.h")


def test_target_build_switches_to_a_cmsis_nn_tree(target_tools, tmp_path, shared_model_path):
    path = shared_model_path("hello_world_int8")
    out = tmp_path / "hw"
    generate(path, out, name="hw", target="cortex-m4")
    cmsis = stand_in_cmsis_tree(tmp_path / "CMSIS-NN")
    model = TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path=cmsis)
    assert model.firmware.kernels == "cmsis-nn"
    # The stand-in has CMSIS-NN main's float16 sources (no build without their switches):
    # only the fully-connected kernel's files are compiled for cortex-m4.
    built = {p.name for p in (model.firmware.work_dir / "net" / "build" / "cmsis-nn").iterdir()}
    assert {"arm_fully_connected_s8.o", "arm_nn_vec_mat_mult_t_s8.o"} <= built
    assert not any(n.startswith(("arm_convolve", "arm_elementwise")) for n in built)
    samples = random_inputs(path, 3, seed=3)
    for sample, inputs in zip(model.run_many(samples).samples, samples):
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, inputs)[0])


def test_target_link_names_a_cmsis_nn_file_the_tree_lacks(
    target_tools, tmp_path, shared_model_path
):
    """A CMSIS-NN tree without a file the network needs: the firmware link fails with one
    line naming what is missing, not the linker's summary."""
    out = tmp_path / "hw"
    generate(shared_model_path("hello_world_int8"), out, name="hw", target="cortex-m4")
    lacking = "NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c"
    cmsis = stand_in_cmsis_tree(tmp_path / "CMSIS-NN", missing=[lacking])
    with pytest.raises(StaiError, match="undefined reference to .stai_stand_in_arm_nn_vec_mat"):
        TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path=cmsis)


@pytest.fixture
def cmsis() -> str:
    """The CMSIS-NN checkout (v7.0 or main) of ``CMSIS_NN_PATH`` (``make test-cmsis``), or
    a failure."""
    path = os.environ.get("CMSIS_NN_PATH")
    if not path:
        pytest.fail(
            "CMSIS_NN_PATH is not set: point it at a CMSIS-NN checkout (v7.0 or main) "
            "(make test-cmsis CMSIS_NN_PATH=...)",
            pytrace=False,
        )
    return path


@pytest.mark.cmsis_nn
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
def test_real_cmsis_nn_is_bit_exact(
    target, target_tools, cmsis, tmp_path, models_dir, shared_model_path
):
    """With ``CMSIS_NN_PATH`` set to a CMSIS-NN checkout (v7.0 or main, whose float16
    sources need switches the M4 build lacks): its DSP (M4) and Helium (M55) kernels give
    the same outputs as TFLM, in fewer instructions than the portable ones."""
    key = "kws_int8"
    path = shared_model_path(key)
    out = tmp_path / key
    generate(path, out, name=key, target=target)
    samples = _samples(key, models_dir, path, 2)
    real = TargetModel(out, work_dir=tmp_path / "cmsis", cmsis_nn_path=cmsis).run_many(samples)
    portable = TargetModel(out, work_dir=tmp_path / "portable", cmsis_nn_path="").run_many(
        samples[:1]
    )
    for sample, inputs in zip(real.samples, samples):
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, inputs)[0])
    assert real.samples[0].instructions < portable.samples[0].instructions


def test_per_node_instructions_and_outputs_through_the_observer(
    target_tools, tmp_path, shared_model_path
):
    """A folder generated with --observer: the observer firmware counts each node's
    instructions (they add up to the inference's, up to the hooks' call sites) and reads
    every node's output back, equal to the host build's."""
    from stai.runtime.model_runner import Runner

    path = shared_model_path("kws_int8")
    out = tmp_path / "kws"
    generate(path, out, name="kws", target="cortex-m4", observer=True)
    model = TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path="")
    samples = random_inputs(path, 2, seed=11)
    result = model.run_many(samples, per_node=True, capture=True)
    host = Runner(out).run([np.stack([s[0] for s in samples])], per_layer=True)
    for k, sample in enumerate(result.samples):
        assert [n.c_id for n in sample.nodes] == list(range(len(host.nodes)))
        assert all(n.instructions > 0 for n in sample.nodes)
        total = sum(n.instructions for n in sample.nodes)
        # The observer firmware is another build: with stai's inlined micro-kernels the
        # compiler schedules each layer's code around the hooks a little differently
        # (KWS on M4: 0.22% more in the observer build).
        slack = 0.003 * sample.instructions + 20 * len(sample.nodes)
        assert abs(total - sample.instructions) <= slack, (total, sample.instructions)
        for node, expected in zip(sample.nodes, host.nodes):
            assert node.type_name == expected.type_name and node.name == expected.name
            assert node.shape == expected.shape and node.scale == expected.scale
            np.testing.assert_array_equal(node.values, expected.values[k])
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, samples[k])[0])
    with pytest.raises(StaiError, match="--observer"):
        plain = tmp_path / "plain"
        generate(path, plain, name="kws", target="cortex-m4")
        TargetModel(plain, work_dir=tmp_path / "b2", cmsis_nn_path="").run_many(
            samples[:1], per_node=True
        )


def test_stai_validate_target_mode(target_tools, tmp_path, shared_model_path, capsys):
    """`stai validate --mode target --target cortex-m55 --per-layer --check`: the same
    metrics as host mode (bit-exact with TFLM, per layer too), plus instructions per
    inference and per node and the footprint, in the text and JSON reports."""
    import json

    import jsonschema

    from stai.cli.main import main

    schema = json.loads(
        (
            Path(__file__).resolve().parents[2] / "docs" / "schemas" / "validate.schema.json"
        ).read_text()
    )
    out = tmp_path / "v"
    with pytest.raises(SystemExit) as stop:
        main(
            [
                "validate",
                "-m",
                str(shared_model_path("hello_world_int8")),
                "--mode",
                "target",
                "--target",
                "cortex-m55",
                "-o",
                str(out),
                "-b",
                "4",
                "--per-layer",
                "--check",
            ]
        )
    assert stop.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())  # titles wrap between words
    assert "instructions per inference" in printed and "mps3-an547" in printed
    data = json.loads((out / "network_validate.json").read_text())
    jsonschema.validate(data, schema)
    assert data["mode"] == "target" and data["check"]["passed"]
    assert data["results"][0]["bit_exact"] == 4
    assert all(layer["metrics"]["bit_exact"] == 4 for layer in data["layers"])
    target = data["target"]
    assert target["target"] == "cortex-m55" and target["instructions"]["min"] > 0
    assert len(target["nodes"]) == len(data["layers"])
    assert target["footprint"]["flash"] > target["footprint"]["flash_weights"] > 0
    assert 0 < target["footprint"]["stack_used"] < target["footprint"]["ram_stack_reserved"]


def test_validate_mode_and_target_must_agree(tmp_path, shared_model_path):
    from stai.tools.validate import ValidateOptions, validate

    with pytest.raises(StaiError, match="--mode host with --target cortex-m4"):
        validate(
            ValidateOptions(
                model=shared_model_path("hello_world_int8"),
                mode="host",
                target="cortex-m4",
                out_dir=tmp_path,
                progress=False,
            )
        )


def test_stai_analyze_reports_the_target_footprint(target_tools, shared_model_path):
    import json

    import jsonschema

    from stai.tools.analyze import analyze, report_text, to_json

    schema = json.loads(
        (
            Path(__file__).resolve().parents[2] / "docs" / "schemas" / "analyze.schema.json"
        ).read_text()
    )
    result = analyze(shared_model_path("hello_world_int8"), target="cortex-m4")
    data = to_json(result)
    jsonschema.validate(data, schema)
    fp = data["target_footprint"]["footprint"]
    assert (
        fp["flash"]
        == fp["flash_network_code"] + fp["flash_kernels"] + fp["flash_weights"] + fp["flash_other"]
    )
    assert fp["ram_arena"] == data["totals"]["activations_bytes"]
    assert fp["flash_weights"] >= data["totals"]["weights_bytes"]
    assert "footprint on cortex-m4" in report_text(result)
    assert to_json(analyze(shared_model_path("hello_world_int8")))["target_footprint"] is None


def test_binary_weights_file_updates_without_rebuilding(
    target_tools, tmp_path, models_dir, shared_model_path
):
    """--binary: the weights leave the firmware (flash = code only) for NAME_weights.bin,
    which QEMU writes at the board's weights address and init checks and binds; the same
    firmware then runs with another weights file (other weights, its header's CRC-32
    updated), and the host runner loads the file too."""
    import struct
    import zlib

    from stai.runtime.runner import CModel
    from stai.transforms.detach_weights import parse_header

    key = "kws_int8"
    path = shared_model_path(key)
    out = tmp_path / key
    generate(path, out, name="kws", target="cortex-m4", binary=True)
    blob = (out / "kws_weights.bin").read_bytes()
    header = (out / "kws_data.h").read_text()
    head = parse_header(blob)
    payload = blob[head.header_size :]
    assert len(payload) == head.payload_size and head.crc32 == zlib.crc32(payload)
    assert f"#define STAI_KWS_WEIGHTS_SIZE {len(blob)}" in header
    assert f"#define STAI_KWS_WEIGHTS_CRC32 0x{zlib.crc32(payload):08x}u" in header
    assert (
        "int stai_kws_init(const void *weights, size_t size, void *activations);"
        in (out / "kws.h").read_text()
    )
    model = TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path="")
    fp = model.footprint
    assert fp.flash_weights == 0 and fp.flash_weights_file == len(blob)
    samples = _samples(key, models_dir, path, 1)
    first = model.run_many(samples)
    for sample, inputs in zip(first.samples, samples):
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, inputs)[0])
    elf = model.firmware.elf.read_bytes()
    changed = bytearray(blob)
    start = head.header_size
    changed[start : start + 2560] = bytes(2560)  # the first convolution's weights, zeroed
    changed[20:24] = struct.pack("<I", zlib.crc32(changed[start:]))  # the header's CRC-32
    (tmp_path / "other.bin").write_bytes(changed)
    model.weights_file = tmp_path / "other.bin"
    second = model.run_many(samples[:1])
    assert model.firmware.elf.read_bytes() == elf
    assert not np.array_equal(second.samples[0].outputs[0], first.samples[0].outputs[0])
    host = CModel(out)
    np.testing.assert_array_equal(host.run(samples[0])[0], first.samples[0].outputs[0])


def test_memory_pools_and_caller_buffers_on_target(target_tools, tmp_path, shared_model_path):
    """Inputs and outputs outside the activations (set_input / set_output) run on the
    target too: the harness binds a buffer for each."""
    path = shared_model_path("hello_world_int8")
    out = tmp_path / "hw"
    generate(
        path, out, name="hw", target="cortex-m55", allocate_inputs=False, allocate_outputs=False
    )
    model = TargetModel(out, work_dir=tmp_path / "build", cmsis_nn_path="")
    samples = random_inputs(path, 3, seed=2)
    for sample, inputs in zip(model.run_many(samples).samples, samples):
        np.testing.assert_array_equal(sample.outputs[0], run_tflm(path, inputs)[0])


@pytest.mark.cmsis_nn
@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m55"])
def test_real_cmsis_nn_per_channel_fc_is_bit_exact(
    target, target_tools, cmsis, tmp_path, models_dir
):
    """The AD float model quantized by stai (per-channel dense weights, int8 I/O) and
    written back as a .tflite: with CMSIS-NN's DSP (M4) and Helium (M55, kernel sums
    precomputed in flash) arm_fully_connected_per_channel_s8, TFLM's outputs."""
    from stai.frontends.tflite.writer import write_tflite
    from stai.tools.quantize import quantize_hook
    from stai.tools.quantize_compare import datasets

    calib, _ = datasets(models_dir, "ad", 16, 1)
    np.save(tmp_path / "calib.npy", calib)
    hook = quantize_hook(str(tmp_path / "calib.npy"), "minmax", True)
    written = tmp_path / "ad_int8.tflite"

    def quantize_and_write(module):  # type: ignore[no-untyped-def]
        hook(module)
        write_tflite(module, written)

    out = tmp_path / "ad"
    generate(
        models_dir / "mlperf_tiny/ad/ad01_fp32.tflite",
        out,
        target=target,
        quantize=quantize_and_write,
    )
    code = (out / "network.c").read_text()
    assert code.count("arm_fully_connected_per_channel_s8(") == 10
    assert "arm_vector_sum_s8(" not in code
    rng = np.random.default_rng(3)
    samples = [[rng.integers(-128, 128, (1, 640)).astype(np.int8)] for _ in range(2)]
    result = TargetModel(out, work_dir=tmp_path / "cmsis", cmsis_nn_path=cmsis).run_many(samples)
    for sample, inputs in zip(result.samples, samples):
        np.testing.assert_array_equal(
            sample.outputs[0].reshape(-1), run_tflm(written, inputs)[0].reshape(-1)
        )
