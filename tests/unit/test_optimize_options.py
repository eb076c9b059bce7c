"""``-O/--optimize time|ram|balanced`` (``CompileOptions.optimize``, the ``optimize``
option of ``select-kernels``): parsing, refusal of a bad value, the pass the driver
configures, the ``ram`` rule, and the report of the choice's cost on real models (KWS:
``time`` widens its five 1x1 layers, and the reported flash cost is the real change of
the weights' bytes; ``ram`` says when it gains nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from xdsl.dialects.builtin import ModuleOp

from stai.cli.common import Parser, add_compile_options, compile_options
from stai.compiler.driver import compile_model, make_context, pipeline_passes, write_generated
from stai.compiler.options import OPTIMIZE, CompileOptions
from stai.errors import StaiError
from stai.lowering.select_kernels import SelectKernelsPass
from stai.runtime import mk_layouts

KWS = ("mlperf_tiny", "kws", "kws_ref_model_int8.tflite")
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def _parse(*argv: str) -> CompileOptions:
    parser = Parser(prog="stai generate")
    parser.add_argument("-m")
    add_compile_options(parser, "generate")
    return compile_options(parser.parse_args(["-m", "x.tflite", *argv]))


def test_the_choices_are_the_passs() -> None:
    assert OPTIMIZE == mk_layouts.OPTIMIZE
    assert _parse().optimize == "balanced"
    assert _parse("-O", "time").optimize == "time"
    assert _parse("--optimize", "ram").optimize == "ram"
    assert _parse("--optimization", "balanced").optimize == "balanced"  # stedgeai's spelling


def test_a_bad_choice_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with pytest.raises(StaiError, match="-O/--optimize: expected balanced, time, ram, got 'fast'"):
        CompileOptions(optimize="fast")
    with pytest.raises(StaiError, match="select-kernels: optimize must be balanced, time, ram"):
        SelectKernelsPass(optimize="fast").apply(make_context(), ModuleOp([]))
    for command in ("generate", "analyze", "validate"):
        proc = subprocess.run(
            [sys.executable, "-m", "stai.cli.main", command, "-m", "x.tflite", "-O", "fast"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert proc.returncode == 2, (command, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "invalid choice: 'fast'" in lines[0], proc.stderr


@pytest.mark.parametrize("choice", OPTIMIZE)
def test_the_driver_passes_the_choice_to_select_kernels(choice: str) -> None:
    options = CompileOptions(target="cortex-m4", optimize=choice)
    (select,) = [p for p in pipeline_passes(options) if isinstance(p, SelectKernelsPass)]
    assert select.optimize == choice and select.isa == "dsp"
    if choice == "balanced":
        cmsis = CompileOptions(target="cortex-m4", kernels="cmsis-nn", optimize=choice)
        assert not [p for p in pipeline_passes(cmsis) if isinstance(p, SelectKernelsPass)]
    else:
        with pytest.raises(StaiError, match=f"-O {choice} .* needs --kernels stai"):
            CompileOptions(target="cortex-m4", kernels="cmsis-nn", optimize=choice)


def test_ram_takes_the_first_kernel_within_the_floor() -> None:
    # (stai's, stai's without scratch, CMSIS-NN's): the floor is the largest of the
    # smallest, 900 (the first layer's).
    layers = [
        (1000, 900, 950),
        (700, None, 500),
        (950, 600, 800),
        (None, None, 300),
        (950, None, 400),
    ]
    assert mk_layouts.smallest_working_set(layers) == [1, 0, 1, 2, 2]
    assert mk_layouts.smallest_working_set([]) == []


def test_kws_time_reports_its_real_flash_cost(tmp_path: Path, models_dir: Path) -> None:
    """KWS on Cortex-M4: -O time runs its four pointwise layers and its fully connected
    layer on int16 weights; the report's weights change is the difference of the two
    compiles' weights, and the arena is the same."""
    path = models_dir.joinpath(*KWS)
    base = compile_model(path, CompileOptions(name="kws", target="cortex-m4"))
    fast = compile_model(path, CompileOptions(name="kws", target="cortex-m4", optimize="time"))
    assert base.optimize is None and fast.optimize is not None
    cost = fast.optimize
    assert cost.layers == 5
    assert base.weights_bytes is not None and fast.weights_bytes is not None
    assert cost.balanced_weights_bytes == base.weights_bytes
    assert cost.weights_change == fast.weights_bytes - base.weights_bytes > 0
    assert cost.arena_bytes == cost.balanced_arena_bytes == base.activations_bytes
    write_generated(fast, tmp_path / "kws")
    report = (tmp_path / "kws" / "kws_report.txt").read_text()
    assert "Optimization (-O time), against -O balanced:" in report
    pct = cost.weights_change / base.weights_bytes
    assert f"weights +{cost.weights_change:,} B (+{pct:.1%})" in report
    assert report.count("stai_mk_conv1x1_s8_w16") == 5
    meta = json.loads((tmp_path / "kws" / "kws.json").read_text())
    assert meta["optimize"]["choice"] == "time"
    assert meta["optimize"]["weights_change_bytes"] == cost.weights_change
    write_generated(base, tmp_path / "base")
    base_meta = json.loads((tmp_path / "base" / "kws.json").read_text())
    assert "optimize" not in base_meta
    schema = json.loads((SCHEMAS / "generate.schema.json").read_text())
    jsonschema.validate(meta, schema)
    jsonschema.validate(base_meta, schema)
    assert "Optimization" not in (tmp_path / "base" / "kws_report.txt").read_text()


def test_kws_ram_drops_the_pointwise_scratch(tmp_path: Path, models_dir: Path) -> None:
    """KWS on Cortex-M4: the scratch of its four pointwise layers sits on the working-set
    peak; -O ram runs them without scratch, for a smaller arena than balanced's (read
    from a second compile), the same weights, and the report says what it saved."""
    from stai.dialects import mk

    path = models_dir.joinpath(*KWS)
    base = compile_model(path, CompileOptions(name="kws", target="cortex-m4"))
    ram = compile_model(
        path, CompileOptions(name="kws", target="cortex-m4", optimize="ram"), keep_planned=True
    )
    cost = ram.optimize
    assert cost is not None and cost.layers == 4 and cost.compiled_twice and not cost.fell_back
    assert ram.planned is not None
    lean = [o for o in ram.planned.walk() if isinstance(o, mk.Conv1x1S8Op) and o.no_scratch]
    assert len(lean) == 4
    assert ram.activations_bytes < base.activations_bytes == cost.balanced_arena_bytes
    assert ram.weights_bytes == base.weights_bytes
    write_generated(ram, tmp_path / "kws")
    report = (tmp_path / "kws" / "kws_report.txt").read_text()
    saved = ram.activations_bytes - base.activations_bytes
    assert f"arena   {saved:+,} B" in report


def test_ic_ram_says_it_gains_nothing(tmp_path: Path, models_dir: Path) -> None:
    """No scratch buffer sets IC's (ResNet-8) working-set peak: -O ram compiles what
    balanced compiles, and the report says so."""
    path = models_dir / "mlperf_tiny" / "ic" / "pretrainedResnet_quant.tflite"
    base = compile_model(path, CompileOptions(name="ic", target="cortex-m4"))
    ram = compile_model(path, CompileOptions(name="ic", target="cortex-m4", optimize="ram"))
    assert ram.optimize is not None and ram.optimize.layers == 0
    assert ram.activations_bytes == base.activations_bytes
    assert ram.weights_bytes == base.weights_bytes
    write_generated(ram, tmp_path / "ic")
    report = (tmp_path / "ic" / "ic_report.txt").read_text()
    assert "no gain: no layer's scratch buffer sets the working-set peak" in report


def test_analyze_gives_the_cost(tmp_path: Path, models_dir: Path) -> None:
    """``stai analyze -O time``: the same lines as the report, the same object in its JSON
    (valid against ``analyze.schema.json``), printed and written with ``-o``."""
    model = str(models_dir.joinpath(*KWS))
    sizes = {
        choice: compile_model(model, CompileOptions(target="cortex-m4", optimize=choice))
        for choice in ("balanced", "time")
    }
    before, after = (sizes[c].weights_bytes or 0 for c in ("balanced", "time"))
    command = [sys.executable, "-m", "stai.cli.main", "analyze", "-m", model]
    command += ["--target", "cortex-m4", "-O", "time"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Optimization (-O time), against -O balanced:" in text
    change = f"weights {after - before:+,} B ({(after - before) / before:+.1%}): {after:,} B"
    assert f"{change} against {before:,} B" in text
    printed = subprocess.run(
        [*command, "--json", "-o", str(tmp_path)], capture_output=True, text=True, check=True
    ).stdout
    schema = json.loads((SCHEMAS / "analyze.schema.json").read_text())
    for report in (
        json.loads(printed),
        json.loads((tmp_path / "network_analyze.json").read_text()),
    ):
        jsonschema.validate(report, schema)
        assert report["optimize"]["weights_change_bytes"] == after - before
    assert "Optimization (-O time)" in (tmp_path / "network_analyze.txt").read_text()
