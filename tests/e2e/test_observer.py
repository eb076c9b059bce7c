"""The observer API: compiled out without STAI_OBSERVER, called around every node with it,
and the Python runner's per-layer capture equal to the reference's intermediate tensors."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from shared_models import SHARED_BY_KEY

from stai.compiler.driver import generate
from stai.runtime.model_runner import Runner
from stai.tools.validate import run_litert_many, run_tflm_intermediates

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def _cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("no C compiler (cc) on PATH", pytrace=False)
    return cc


@pytest.fixture(scope="module")
def kws_folders(
    shared_model_path: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, Path]:
    """The KWS int8 model, generated without and with --observer."""
    model = shared_model_path("kws_int8")
    root = tmp_path_factory.mktemp("observer")
    plain, observed = root / "plain", root / "observed"
    generate(model, plain, "kws")
    generate(model, observed, "kws", observer=True)
    return model, plain, observed


def _preprocessed(folder: Path, source: str, *defines: str) -> str:
    """The preprocessed text of a generated source (no line markers, no blank lines)."""
    proc = subprocess.run(
        [
            _cc(),
            "-E",
            "-P",
            *STRICT,
            *defines,
            "-I",
            str(folder),
            "-I",
            str(folder / "include"),
            "-I",
            str(folder / "include" / "cmsis"),
            str(folder / source),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return "\n".join(line for line in proc.stdout.splitlines() if line.strip())


def test_without_macro_the_code_is_identical(kws_folders: tuple[Path, Path, Path]) -> None:
    """--observer without -DSTAI_OBSERVER: the preprocessed C is the plain folder's, token
    for token (no bytes, no instructions); with the macro the hooks appear."""
    _, plain, observed = kws_folders
    for source in ("kws.c", "kws_data.c"):
        assert _preprocessed(observed, source) == _preprocessed(plain, source)
    with_macro = _preprocessed(observed, "kws.c", "-DSTAI_OBSERVER")
    assert with_macro != _preprocessed(plain, "kws.c")
    assert with_macro.count("stai_kws_observe(STAI_OBSERVER_BEFORE") == 12
    assert with_macro.count("stai_kws_observe(STAI_OBSERVER_AFTER") == 12
    assert "stai_observer_notify" not in _preprocessed(observed, "kws.c")


def test_plain_folder_has_no_observer_source(kws_folders: tuple[Path, Path, Path]) -> None:
    _, plain, observed = kws_folders
    assert not (plain / "src" / "stai_observer.c").exists()
    assert (observed / "src" / "stai_observer.c").exists()
    assert "observer" not in (plain / "kws.c").read_text()


MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include "kws.h"

typedef struct { int before, after, bad; long checksum; } counts;

static void on_node(void *user, stai_observer_event event, const stai_observer_node *node)
{
    counts *c = (counts *)user;
    size_t i, n = 1;
    int32_t d;
    for (d = 0; d < node->rank; d++) n *= (size_t)node->shape[d];
    if (node->type != STAI_TYPE_INT8 || n != node->size || node->data == NULL) c->bad++;
    if (event == STAI_OBSERVER_BEFORE) { c->before++; return; }
    c->after++;
    for (i = 0; i < node->size; i++) c->checksum += ((const int8_t *)node->data)[i];
    printf("%d %d %s %d %zu %.9g %d\n", (int)node->c_id, (int)node->m_id, node->type_name,
           (int)node->rank, node->size, (double)node->scale, (int)node->zero_point);
}

static uint8_t arena[STAI_KWS_ACTIVATIONS_SIZE] __attribute__((aligned(16)));

int main(void)
{
    counts c;
    memset(&c, 0, sizeof c);
    if (stai_kws_init(arena) != 0) return 10;
    memset(stai_kws_input_ptr(0), 1, stai_kws_input_size(0));
    if (stai_kws_set_observer(on_node, &c) != 0) return 11;
    if (stai_kws_run() != 0) return 12;
    stai_kws_set_observer(NULL, NULL);
    if (stai_kws_run() != 0) return 13;
    printf("before %d after %d bad %d nodes %d\n", c.before, c.after, c.bad,
           STAI_KWS_NODE_NUM);
    return 0;
}
"""


def test_c_callback_sees_every_node(kws_folders: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """A C application registers a callback: called before and after each of the 12 nodes
    with consistent descriptions; built strict and under the sanitizers."""
    _, _, observed = kws_folders
    flags = [
        *STRICT,
        "-O1",
        "-g",
        "-DSTAI_OBSERVER",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
    ]
    main = tmp_path / "main.c"
    main.write_text(MAIN_C)
    sources = [observed / "kws.c", observed / "kws_data.c", *sorted((observed / "src").glob("*.c"))]
    exe = tmp_path / "main"
    subprocess.run(
        [
            _cc(),
            *flags,
            "-I",
            str(observed),
            "-I",
            str(observed / "include"),
            "-I",
            str(observed / "include" / "cmsis"),
            str(main),
            *map(str, sources),
            "-o",
            str(exe),
            "-lm",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "before 12 after 12 bad 0 nodes 12"
    lines = out.splitlines()[:-1]
    assert [int(line.split()[0]) for line in lines] == list(range(12))
    # (the first layer runs stai's general convolution: its type names that kernel)
    assert lines[0].split()[2] in ("conv2d", "mk.conv_s8") and lines[-1].split()[2] == "softmax"
    assert lines[-1].split()[5:] == ["0.00390625", "-128"]


def test_per_layer_capture_equals_tflm_intermediates(
    kws_folders: tuple[Path, Path, Path], models_dir: Path
) -> None:
    """One capture per node, named after its tensor, equal to TFLite Micro's tensor of the
    same name (read as extra model outputs) on the KWS sample and on random inputs."""
    model, _, observed = kws_folders
    runner = Runner(observed)
    assert runner.has_observer
    sample = SHARED_BY_KEY["kws_int8"].samples(models_dir)[0].inputs[0]
    rng = np.random.default_rng(7)
    batch = np.concatenate([sample, rng.integers(-128, 128, (4, 49, 10, 1), dtype=np.int8)])
    result = runner.run([batch], per_layer=True)
    assert len(result.nodes) == 12
    assert [n.c_id for n in result.nodes] == list(range(12))
    assert all(n.values.shape == (5, *n.shape) for n in result.nodes)
    assert all(n.time_ns.shape == (5,) and (n.time_ns >= 0).all() for n in result.nodes)
    names = [n.name for n in result.nodes]
    refs = run_tflm_intermediates(model, [[x] for x in batch], names)
    for node in result.nodes:
        expected = np.stack([r[node.name] for r in refs]).reshape(node.values.shape)
        assert np.array_equal(node.values, expected), f"node {node.c_id} ({node.type_name})"
    np.testing.assert_array_equal(result.outputs[0], result.nodes[-1].values)


def test_per_layer_capture_equals_litert_on_sample(
    kws_folders: tuple[Path, Path, Path], models_dir: Path
) -> None:
    """On the KWS sample, every node equals LiteRT's intermediate tensor of the same name
    (BUILTIN_REF with experimental_preserve_all_tensors)."""
    model, _, observed = kws_folders
    sample = SHARED_BY_KEY["kws_int8"].samples(models_dir)[0].inputs[0]
    result = Runner(observed).run([sample], per_layer=True)
    (tensors,) = run_litert_many(model, [[sample]], intermediates=True)[1]
    for node in result.nodes:
        assert node.name in tensors, node.name
        expected = tensors[node.name].reshape(node.values.shape)
        assert np.array_equal(node.values, expected), f"node {node.c_id} ({node.type_name})"
        assert node.scale is not None and node.dequantized().dtype == np.float32


def test_runner_batches_and_errors(kws_folders: tuple[Path, Path, Path]) -> None:
    from stai.errors import StaiError

    _, plain, observed = kws_folders
    runner = Runner(plain)
    assert not runner.has_observer
    x = np.zeros((3, 49, 10, 1), dtype=np.int8)
    result = runner.run([x])
    assert result.outputs[0].shape == (3, 1, 12) and result.time_ns.shape == (3,)
    assert np.array_equal(result.outputs[0][0], result.outputs[0][2])
    with pytest.raises(StaiError, match="--observer"):
        runner.run([x], per_layer=True)
    with pytest.raises(StaiError, match="shape"):
        Runner(observed).run([np.zeros((2, 5), dtype=np.int8)])
    with pytest.raises(StaiError, match="dtype"):
        runner.run([x.astype(np.float32)])


def test_header_declares_observer_only_with_option(kws_folders: tuple[Path, Path, Path]) -> None:
    _, plain, observed = kws_folders
    header = (observed / "kws.h").read_text()
    guarded = re.search(r"#if defined\(STAI_OBSERVER\)(.*?)#endif", header, re.S)
    assert guarded is not None and "stai_kws_set_observer" in guarded.group(1)
    assert "STAI_OBSERVER" not in (plain / "kws.h").read_text()
