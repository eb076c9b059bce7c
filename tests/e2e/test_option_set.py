"""``stai generate``, ``stai analyze`` and ``stai validate`` take the same compile options
(``stai.cli.common.add_compile_options``) and compile the same configuration with them:
analyze reports the activations and weights generate writes, and validate runs that C."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from stai.cli.common import COMMANDS, LEFT_OUT, Parser, add_compile_options
from stai.cli.main import build_parser, main

POOLS = [{"name": "fast", "size": "16K"}, {"name": "slow", "size": "64K"}]

OPTION_SETS = {
    "memory-pool": ["--memory-pool", "{pools}"],
    "split-weights": ["--split-weights"],
    "no-inputs-allocation": ["--no-inputs-allocation"],
    "compress-8": ["-c", "8"],
    "no-onnx-io-transpose": ["--no-onnx-io-transpose"],
    "weights-alignment": ["--weights-alignment", "64", "--alignment", "32"],
    "c-prefix": ["--c-prefix", "acme"],
}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no sub-commands")


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {s for action in parser._actions for s in action.option_strings}


def _compile_option_strings() -> set[str]:
    probe = Parser(prog="probe", add_help=False)
    add_compile_options(probe)
    return _option_strings(probe)


def test_the_commands_accept_the_same_compile_options() -> None:
    """Every compile option of generate is on analyze and validate, but for the ones
    ``LEFT_OUT`` names (which their ``--help`` explains)."""
    commands = _subparsers(build_parser())
    every = _compile_option_strings()
    assert {"--memory-pool", "--split-weights", "--no-inputs-allocation", "-c"} <= every
    assert {"--no-onnx-io-transpose", "--weights-alignment", "-q", "--target"} <= every
    assert {"--binary", "--observer", "--compression-level", "--int8-io"} <= every
    assert "--relocatable" in every
    for command in COMMANDS:
        left_out = set(LEFT_OUT[command])
        accepted = _option_strings(commands[command]) & every
        assert accepted == every - left_out, command
        help_text = commands[command].format_help()
        for option in left_out:
            assert f"{option}: " in " ".join(help_text.split()), (command, option)
    assert not LEFT_OUT["generate"]
    assert set(LEFT_OUT["analyze"]) == {"--observer"}
    assert set(LEFT_OUT["validate"]) == {"--observer", "--int8-io"}
    assert "--c-prefix" in every


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0, err
    return out


def _report_figures(report: str) -> tuple[int, int]:
    """The arena and weights bytes of ``NAME_report.txt``."""
    arena = re.search(r"arena \(scratch included\): (\d+) bytes", report)
    weights = re.search(r"^Weights\n  (\d+) bytes", report, re.M)
    assert arena and weights, report
    return int(arena.group(1)), int(weights.group(1))


@pytest.mark.parametrize("key", list(OPTION_SETS))
def test_analyze_and_validate_compile_what_generate_compiles(
    key: str, models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = models_dir / "onnx/mnist/mnist.onnx"
    if not model.is_file():
        pytest.fail(f"shared model missing: {model}", pytrace=False)
    pools = tmp_path / "pools.json"
    pools.write_text(json.dumps(POOLS))
    options = [a.format(pools=pools) for a in OPTION_SETS[key]]

    _run(capsys, "generate", "-m", str(model), "-o", str(tmp_path / "gen"), "-n", "m", *options)
    meta = json.loads((tmp_path / "gen" / "m.json").read_text())
    report_arena, report_weights = _report_figures((tmp_path / "gen" / "m_report.txt").read_text())
    assert (report_arena, report_weights) == (meta["activations_bytes"], meta["weights_bytes"])

    analysis = json.loads(_run(capsys, "analyze", "-m", str(model), "-n", "m", "--json", *options))
    totals = analysis["totals"]
    assert totals["activations_bytes"] == meta["activations_bytes"]
    assert totals["weights_bytes"] == meta["weights_bytes"]
    assert totals["arena_bytes"] == [p["size"] for p in meta["pools"]]
    assert totals["io_in_arena"] == (
        meta["inputs_in_activations"] and meta["outputs_in_activations"]
    )
    assert [i["shape"] for i in analysis["inputs"]] == [i["shape"] for i in meta["inputs"]]

    out = tmp_path / "val"
    # k-means weight sharing changes the outputs: --check (bit-exact or within the float
    # tolerance) holds for the other option sets.
    check = [] if key == "compress-8" else ["--check"]
    _run(
        capsys, "validate", "-m", str(model), "-o", str(out), "-n", "m", "-b", "3", *check, *options
    )
    compiled = json.loads((out / "c_model" / "m.json").read_text())
    assert compiled["observer"] is True
    assert compiled["activations_bytes"] == meta["activations_bytes"]
    assert compiled["weights_bytes"] == meta["weights_bytes"]
    assert compiled["pools"] == meta["pools"]
    assert compiled["inputs"] == meta["inputs"]
    assert compiled.get("c_prefix") == meta.get("c_prefix")
    assert meta.get("c_prefix") == ("acme" if key == "c-prefix" else None)
    result = json.loads((out / "m_validate.json").read_text())
    assert result["samples"] == 3
    if check:
        assert result["check"]["passed"] is True
