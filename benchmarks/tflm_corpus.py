"""Breadth on a folder of real ``.tflite`` models: how many stai compiles, and whether the
C it generates computes what TFLite Micro computes. Writes a markdown table and a summary.

    .venv/bin/python benchmarks/tflm_corpus.py MODELS_DIR [--out DIR] [--jobs 2]
        [--samples 3] [--seed 0] [--timeout 600] [--only REGEX] [--kernels stai|cmsis-nn]

``MODELS_DIR`` (or the environment variable ``STAI_TFLM_MODELS``) is searched recursively
for ``*.tflite``; nothing in the repository is needed. Each model is measured in its own
worker process (at most ``--jobs`` at a time, two at most, each killed after
``--timeout`` seconds):

1. ``stai generate -m MODEL -o WORK/c -n net`` (a subprocess: the user's command line);
2. the generated folder built for the host with its own Makefile and loaded
   (``stai.runtime.model_runner.Runner``, as ``stai validate --mode host`` does);
3. ``--samples`` seeded random inputs (``stai.tools.validate.random_inputs``: integers over
   the type's whole range, floats uniform in [-1, 1]) run through the C model, resetting a
   stateful network before each sample, and through the references: TFLite Micro's Python
   interpreter always, LiteRT ``BUILTIN_REF`` too when an input or output is float;
4. a stateful network (one with ``reset``) also runs the samples in a row without a reset,
   against TFLite Micro doing the same (state carried from call to call).

Verdicts:

* ``exact``: every output of every sample is bit-identical with TFLite Micro (integer
  inputs and outputs), or with TFLite Micro or LiteRT ``BUILTIN_REF`` (float inputs or
  outputs);
* ``float-close``: float outputs within ``stai validate --check``'s bound of the float
  reference (max |err| <= 1e-4 x max(1, max |ref|)) but not bit-identical;
* ``DIFFERS``: compiles, runs, and computes something else: the worst case;
* ``refused``: ``stai generate`` exits 2 with its one-line error;
* ``CRASH``: ``stai generate`` exits with anything else (a bug: its traceback is kept), the
  generated C does not build or run, or the worker dies;
* ``timeout``: the worker ran out of time;
* ``no-reference``: stai's C runs but neither reference runtime can run the model.

The stai measured is the one ``stai`` imports. To measure a commit without the
uncommitted edits of a working tree, export it and put it first on ``PYTHONPATH`` (its
``stai/dialects``... links resolve the package as the editable install does)::

    git archive HEAD | tar -x -C /tmp/stai_at
    PYTHONPATH=/tmp/stai_at .venv/bin/python benchmarks/tflm_corpus.py MODELS --commit $(git rev-parse --short HEAD)

Files written in ``--out`` (default ``/tmp/tflm_corpus``): ``results.json`` (one record
per model), ``table.md`` (one row per model) and ``summary.md`` (counts, the refusals
grouped by message, every DIFFERS and CRASH with its detail).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

STAI = Path(sys.executable).with_name("stai")
ENV_MODELS = "STAI_TFLM_MODELS"
MAX_JOBS = 2
FLOAT_BOUND = 1e-4
"""``stai validate --check``'s default float tolerance."""

VERDICTS = (
    "exact",
    "float-close",
    "DIFFERS",
    "refused",
    "CRASH",
    "timeout",
    "no-reference",
)

# ------------------------------------------------------------------ the model's facts


def model_facts(path: Path) -> dict[str, Any]:
    """Operators (builtin names, each once, in order of first use) and the element types of
    the non-constant and of the constant tensors, read with the ``tflite`` package (not
    with stai's reader, whose refusals are what is measured)."""
    import tflite

    facts: dict[str, Any] = {"ops": [], "activations": [], "constants": [], "subgraphs": 0}
    try:
        model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
        op_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}
        type_names = {v: k for k, v in vars(tflite.TensorType).items() if k.isupper()}
        codes = []
        for i in range(model.OperatorCodesLength()):
            code = model.OperatorCodes(i)
            assert code is not None
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            name = op_names.get(builtin, str(builtin))
            if name == "CUSTOM":
                custom = code.CustomCode()
                name = f"CUSTOM:{custom.decode() if custom else '?'}"
            codes.append(name)
        facts["subgraphs"] = model.SubgraphsLength()
        ops: dict[str, None] = {}
        acts: set[str] = set()
        consts: set[str] = set()
        for g in range(model.SubgraphsLength()):
            graph = model.Subgraphs(g)
            assert graph is not None
            for i in range(graph.OperatorsLength()):
                op = graph.Operators(i)
                assert op is not None
                ops[codes[op.OpcodeIndex()]] = None
            for i in range(graph.TensorsLength()):
                tensor = graph.Tensors(i)
                assert tensor is not None
                buffer = model.Buffers(tensor.Buffer()) if tensor.Buffer() else None
                constant = buffer is not None and (buffer.DataLength() > 0 or buffer.Size() > 0)
                kind = type_names.get(tensor.Type(), str(tensor.Type())).lower()
                (consts if constant else acts).add(kind)
        facts.update(ops=list(ops), activations=sorted(acts), constants=sorted(consts))
    except Exception as e:  # a model the flatbuffer reader cannot read: stai will say why
        facts["error"] = " ".join(str(e).split()) or type(e).__name__
    return facts


# ------------------------------------------------------------------ one model (worker)


def _first_line(text: str, prefix: str = "stai: error: ") -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    first = lines[0].strip()
    return first[len(prefix) :] if first.startswith(prefix) else first


def _generate(model: Path, work: Path, kernels: str, timeout: float) -> dict[str, Any]:
    """``stai generate`` as a user runs it: exit code, time, the error line, and for an exit
    other than 0 and 2 the traceback (rerun with ``STAI_DEBUG``)."""
    cmd = [str(STAI), "generate", "-m", str(model), "-o", str(work / "c"), "-n", "net"]
    cmd += ["--kernels", kernels, "--quiet"]
    env = {k: v for k, v in os.environ.items() if k != "STAI_DEBUG"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    out: dict[str, Any] = {
        "rc": proc.returncode,
        "seconds": round(time.perf_counter() - start, 2),
        "stderr_lines": len(proc.stderr.strip().splitlines()),
        # the path the user gave is not part of the cause: drop it (refusals group by cause)
        "message": _first_line(proc.stderr).replace(f"{model}: ", "", 1),
    }
    if proc.returncode not in (0, 2):
        env["STAI_DEBUG"] = "1"
        debug = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        out["traceback"] = "\n".join(debug.stderr.strip().splitlines()[-14:])
    return out


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a.view(np.uint32), b.view(np.uint32)) or np.array_equal(a, b))
    return bool(np.array_equal(a, b))


def compare(c_out: list[list[np.ndarray]], ref: list[list[np.ndarray]]) -> dict[str, Any]:
    """C outputs against a reference's, sample by sample: bit-identical samples, the largest
    raw difference (integers: LSB) and for floats the largest error over the bound's scale."""
    exact = 0
    max_diff = 0.0
    worst_ratio = 0.0
    int_differs = False
    first_bad: dict[str, Any] | None = None
    mismatched = ""
    for k, (cs, rs) in enumerate(zip(c_out, ref)):
        same = True
        for j, (c, r) in enumerate(zip(cs, rs)):
            r = np.asarray(r)
            if c.size != r.size:
                mismatched = f"output {j}: C shape {list(c.shape)}, reference {list(r.shape)}"
                same = False
                continue
            r = r.reshape(c.shape)
            if r.dtype != c.dtype:
                mismatched = f"output {j}: C dtype {c.dtype}, reference {r.dtype}"
                same = False
                continue
            if _equal(c, r):
                continue
            same = False
            diff = np.abs(c.astype(np.float64) - r.astype(np.float64))
            diff = np.where(np.isnan(diff), np.inf, diff)
            max_diff = max(max_diff, float(diff.max()))
            if c.dtype.kind == "f":
                scale = max(1.0, float(np.nanmax(np.abs(r))) if r.size else 1.0)
                worst_ratio = max(worst_ratio, float(diff.max()) / scale)
            else:
                int_differs = True
            if first_bad is None:
                where = int(np.argmax(diff))
                first_bad = {
                    "sample": k,
                    "output": j,
                    "index": [int(i) for i in np.unravel_index(where, c.shape)],
                    "c": c.reshape(-1)[where].item(),
                    "reference": r.reshape(-1)[where].item(),
                    "elements_differing": int((diff > 0).sum()),
                    "elements": int(diff.size),
                }
        exact += same
    return {
        "exact_samples": exact,
        "samples": len(c_out),
        "max_diff": max_diff,
        "float_ratio": worst_ratio,
        "int_differs": int_differs,
        "first_difference": first_bad,
        "mismatch": mismatched,
    }


TFLM_ARENAS = (None, 1 << 20, 16 << 20, 128 << 20)
"""Arena sizes tried in turn: the Python interpreter's default (ten times the model's
bytes) is too small for a small model with large activations."""


def tflm_interpreter(model: Path) -> Any:
    """TFLite Micro's Python interpreter for a model, with the first arena that fits."""
    from tflite_micro.python.tflite_micro import runtime

    error: Exception | None = None
    for arena in TFLM_ARENAS:
        try:
            return runtime.Interpreter.from_file(str(model), arena_size=arena)
        except Exception as e:  # the interpreter raises RuntimeError, ValueError...
            error = e
    raise RuntimeError(f"TFLite Micro cannot load {model.name}: {' '.join(str(error).split())}")


def run_tflm(
    model: Path, samples: list[list[np.ndarray]], n_out: int, stream: bool = False
) -> list[list[np.ndarray]]:
    """TFLite Micro on every sample: reset before each (as ``stai validate``), or with
    ``stream`` in a row, its state carried from call to call."""
    from stai.runtime.inputs import prepare_input

    interp = tflm_interpreter(model)
    results = []
    for sample in samples:
        for i, value in enumerate(sample):
            details = interp.get_input_details(i)
            shape = tuple(int(d) for d in details["shape"])
            interp.set_input(prepare_input(value, shape, np.dtype(details["dtype"]), i), i)
        interp.invoke()
        results.append([np.array(interp.get_output(j), copy=True) for j in range(n_out)])
        if not stream:
            interp.reset()
    return results


def measure(model: Path, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Every step for one model; the record ``results.json`` keeps."""
    from stai.errors import StaiError

    record: dict[str, Any] = {"facts": model_facts(model)}
    stage = work / "stage"

    def at(name: str) -> None:
        stage.write_text(name)

    at("generate")
    gen = _generate(model, work, options["kernels"], options["timeout"])
    record["generate"] = gen
    if gen["rc"] == 2:
        record.update(verdict="refused", detail=gen["message"])
        return record
    if gen["rc"] != 0:
        record.update(verdict="CRASH", detail=f"stai generate exit {gen['rc']}: {gen['message']}")
        return record

    from stai.runtime.model_runner import Runner
    from stai.tools.reference_runners import run_litert_many
    from stai.tools.validate import random_inputs

    at("host build")
    try:
        runner = Runner(work / "c", "net")
    except StaiError as e:
        record.update(verdict="CRASH", detail=f"host build: {e}")
        return record
    n, seed = options["samples"], options["seed"]
    batches = random_inputs(runner.inputs, n, seed, None)
    samples = [[b[k] for b in batches] for k in range(n)]
    stateful = runner.model.has_state
    record["stateful"] = stateful
    at("run C")
    c_out: list[list[np.ndarray]] = []
    try:
        for sample in samples:
            if stateful:
                runner.model.reset()
            result = runner.run([a[None] for a in sample])
            c_out.append([o[0] for o in result.outputs])
    except StaiError as e:
        record.update(verdict="CRASH", detail=f"C run: {e}")
        return record
    float_io = any(np.dtype(t["dtype"]).kind == "f" for t in (*runner.inputs, *runner.outputs))
    record["float_io"] = float_io
    # how many different values the outputs take: a comparison of outputs stuck at one
    # value (saturated by random inputs) says little
    record["distinct_outputs"] = len(
        np.unique(np.concatenate([o.reshape(-1) for s in c_out for o in s]))
    )
    refs: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    at("TFLite Micro")
    n_out = len(runner.outputs)
    try:
        refs["tflite-micro"] = compare(c_out, run_tflm(model, samples, n_out))
    except Exception as e:  # the interpreter's own failure (an op it lacks...)
        errors["tflite-micro"] = " ".join(str(e).split())
    if float_io:
        at("LiteRT")
        try:
            refs["litert-ref"] = compare(c_out, run_litert_many(model, samples)[0])
        except Exception as e:  # a load failure (StaiError) or the interpreter's own
            errors["litert-ref"] = " ".join(str(e).split())
    if stateful and "tflite-micro" in refs:
        at("stream")
        runner.model.reset()
        streamed = [[o[0] for o in runner.run([a[None] for a in s]).outputs] for s in samples]
        try:
            refs["tflite-micro stream"] = compare(
                streamed, run_tflm(model, samples, n_out, stream=True)
            )
        except Exception as e:  # the interpreter's own failure
            errors["tflite-micro stream"] = " ".join(str(e).split())
    record["references"] = refs
    record["reference_errors"] = errors
    record.update(verdict_of(refs, errors, float_io))
    at("done")
    return record


def verdict_of(
    refs: dict[str, dict[str, Any]], errors: dict[str, str], float_io: bool
) -> dict[str, str]:
    """The verdict from the comparisons (see the module's docstring)."""
    main = [r for r in ("tflite-micro", "litert-ref") if r in refs]
    if not main:
        return {"verdict": "no-reference", "detail": "; ".join(errors.values())}
    stream = refs.get("tflite-micro stream")
    stream_ok = stream is None or stream["exact_samples"] == stream["samples"]
    exact = [r for r in main if refs[r]["exact_samples"] == refs[r]["samples"]]
    if exact and stream_ok:
        return {"verdict": "exact", "detail": "bit-identical with " + " and ".join(exact)}
    close = [
        r
        for r in main
        if not refs[r]["mismatch"]
        and not refs[r]["int_differs"]
        and refs[r]["float_ratio"] <= FLOAT_BOUND
    ]
    if float_io and stream_ok and close:
        best = min(close, key=lambda r: refs[r]["float_ratio"])
        return {
            "verdict": "float-close",
            "detail": f"max |err| {refs[best]['max_diff']:.3g} against {best}",
        }
    parts = []
    for name, r in refs.items():
        if r["exact_samples"] == r["samples"]:
            parts.append(f"{name}: {r['samples']}/{r['samples']} exact")
            continue
        text = f"{name}: {r['exact_samples']}/{r['samples']} exact"
        if r["mismatch"]:
            text += f", {r['mismatch']}"
        if r["first_difference"]:
            d = r["first_difference"]
            text += (
                f", max diff {r['max_diff']:.6g} (sample {d['sample']} output {d['output']}"
                f" at {d['index']}: C {d['c']} vs {d['reference']};"
                f" {d['elements_differing']}/{d['elements']} elements differ)"
            )
        parts.append(text)
    return {"verdict": "DIFFERS", "detail": "; ".join(parts)}


def worker(model: Path, work: Path, options: dict[str, Any]) -> int:
    """The worker process: measure one model, write ``WORK/result.json``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    record = measure(model, work, options)
    (work / "result.json").write_text(json.dumps(record, indent=1, default=str) + "\n")
    return 0


# ------------------------------------------------------------------ the driver


def _run_worker(model: Path, rel: str, work: Path, options: dict[str, Any]) -> dict[str, Any]:
    """One worker subprocess, in its own process group, killed when out of time."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(model), str(work)]
    cmd += ["--samples", str(options["samples"]), "--seed", str(options["seed"])]
    cmd += ["--timeout", str(options["timeout"]), "--kernels", options["kernels"]]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=options["timeout"])
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and the stai/make it started
        _, err = proc.communicate()
        timed_out = True
    seconds = round(time.perf_counter() - start, 1)
    stage = (work / "stage").read_text() if (work / "stage").exists() else "start"
    result_file = work / "result.json"
    if result_file.exists():
        record = json.loads(result_file.read_text())
    else:
        record: dict[str, Any] = {"facts": model_facts(model)}
        if timed_out:
            record.update(verdict="timeout", detail=f"over {options['timeout']} s in {stage}")
        else:
            tail = "\n".join(err.strip().splitlines()[-14:])
            record.update(
                verdict="CRASH",
                detail=f"worker died (exit {proc.returncode}) in {stage}: {_first_line(tail)}",
                traceback=tail,
            )
    record.update(model=rel, seconds=seconds)
    if not options["keep"] and record["verdict"] in ("exact", "float-close", "refused"):
        shutil.rmtree(work, ignore_errors=True)
    return record


def _git(where: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True)
    except OSError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def measured_source() -> tuple[str, bool]:
    """The commit of the stai that ``stai generate`` imports (the checkout this
    interpreter's ``PYTHONPATH`` or editable install points at) and whether it has
    uncommitted changes; ``("?", False)`` outside a git checkout (``--commit`` says)."""
    import stai

    where = Path(stai.__file__).resolve().parent.parent
    commit = _git(where, "rev-parse", "--short", "HEAD")
    if not commit:
        return "?", False
    return commit, bool(_git(where, "status", "--porcelain", "--untracked-files=no"))


def group_key(message: str) -> str:
    """A refusal message with what varies from model to model (tensor and operator names
    after 'tensor'/'op', indices, shapes) replaced, so equal causes group together."""
    key = re.sub(r"\b(tensor|input|output|node|operator #?|op #?)\s+'[^']*'", r"\1 '…'", message)
    key = re.sub(r"\[[-\d, ]*\]", "[…]", key)
    key = re.sub(r"(?<![\w'])-?\d+(\.\d+)?(e-?\d+)?", "N", key)
    return key


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_reports(records: list[dict[str, Any]], out: Path, meta: dict[str, Any]) -> str:
    """``results.json``, ``table.md`` and ``summary.md``; returns the summary's text."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "models": records}, indent=1, default=str) + "\n"
    )
    rows = [
        "| model | activations | operators | verdict | distinct output values | seconds | detail |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for r in records:
        facts = r.get("facts", {})
        rows.append(
            f"| {_cell(r['model'])} | {', '.join(facts.get('activations', []))} | "
            f"{_cell(' '.join(facts.get('ops', [])))} | {r['verdict']} | "
            f"{r.get('distinct_outputs', '')} | {r.get('seconds', '')} | "
            f"{_cell(str(r.get('detail', '')))} |"
        )
    (out / "table.md").write_text("\n".join(rows) + "\n")

    counts = Counter(r["verdict"] for r in records)
    total = len(records)
    matching = counts["exact"] + counts["float-close"]
    lines = [
        f"# stai on {total} models from {meta['models_dir']}",
        "",
        f"Measured {meta['date']} at stai commit {meta['commit']}"
        f"{' (with uncommitted changes)' if meta['dirty'] else ''}; {meta['samples']} random "
        f"samples per model (seed {meta['seed']}), kernels {meta['kernels']}, host build.",
        "",
        "| verdict | models |",
        "|---|---:|",
        *(f"| {v} | {counts[v]} |" for v in VERDICTS),
        f"| **total** | {total} |",
        "",
        f"Compile and match: {matching}/{total} ({100 * matching / max(total, 1):.1f}%), "
        f"of which {counts['exact']} bit-identical.",
        "",
    ]
    folders: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        folders[str(Path(r["model"]).parent)][r["verdict"]] += 1
    shown = [v for v in VERDICTS if counts[v]]
    lines += [
        "| folder | models | " + " | ".join(shown) + " |",
        "|---|---:|" + "---:|" * len(shown),
        *(
            f"| {name} | {sum(c.values())} | " + " | ".join(str(c[v]) for v in shown) + " |"
            for name, c in sorted(folders.items())
        ),
        "",
    ]
    weak = [r for r in records if r["verdict"] == "exact" and r.get("distinct_outputs", 3) < 3]
    if weak:
        names = ", ".join(f"`{r['model']}`" for r in weak)
        lines += [
            f"Exact but with at most two distinct output values (weak evidence): {names}.",
            "",
        ]
    bad = [r for r in records if r["verdict"] in ("DIFFERS", "CRASH", "timeout")]
    if counts["DIFFERS"]:
        lines += [
            f"**!!! {counts['DIFFERS']} model(s) compile but compute something else !!!**",
            "",
        ]
    if bad:
        lines += ["## Differs, crashes, timeouts", ""]
        for r in bad:
            lines.append(f"- **{r['verdict']}** `{r['model']}`: {_cell(str(r.get('detail', '')))}")
        lines.append("")
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["verdict"] == "refused":
            groups[group_key(str(r["detail"]))].append(r)
    if groups:
        lines += [
            "## Refusals, grouped by message",
            "",
            "| models | message (first model's) | models |",
        ]
        lines.append("|---:|---|---|")
        for _key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            names = ", ".join(f"`{m['model']}`" for m in members[:6])
            if len(members) > 6:
                names += f", ... ({len(members) - 6} more)"
            lines.append(f"| {len(members)} | {_cell(str(members[0]['detail']))} | {names} |")
        lines.append("")
    text = "\n".join(lines)
    (out / "summary.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("models", nargs="?", help=f"folder of .tflite files (or ${ENV_MODELS})")
    parser.add_argument("--out", default="/tmp/tflm_corpus", help="folder for the reports")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help="parallel workers (1 or 2)")
    parser.add_argument("--samples", type=int, default=3, help="random samples per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    parser.add_argument("--only", help="measure only models whose path matches this regex")
    parser.add_argument("--kernels", choices=("cmsis-nn", "stai"), default="stai")
    parser.add_argument(
        "--commit", help="the stai commit measured, when stai is not imported from a checkout"
    )
    parser.add_argument("--keep", action="store_true", help="keep every work folder")
    parser.add_argument(
        "--rewrite", action="store_true", help="only rewrite the reports from OUT/results.json"
    )
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = {
        "samples": args.samples,
        "seed": args.seed,
        "timeout": args.timeout,
        "kernels": args.kernels,
        "keep": args.keep,
    }
    if args.worker:
        return worker(Path(args.worker[0]), Path(args.worker[1]), options)

    if args.rewrite:
        saved = json.loads((Path(args.out) / "results.json").read_text())
        print(write_reports(saved["models"], Path(args.out), saved["meta"]))
        return 0
    folder = args.models or os.environ.get(ENV_MODELS)
    if not folder or not Path(folder).is_dir():
        print(
            f"tflm_corpus: give a folder of .tflite models (or set {ENV_MODELS})", file=sys.stderr
        )
        return 2
    if args.samples < 1 or not 1 <= args.jobs <= MAX_JOBS:
        print(f"tflm_corpus: --samples >= 1 and --jobs 1..{MAX_JOBS}", file=sys.stderr)
        return 2
    root = Path(folder).resolve()
    models = sorted(root.rglob("*.tflite"))
    if args.only:
        models = [m for m in models if re.search(args.only, str(m.relative_to(root)))]
    if not models:
        print(f"tflm_corpus: no .tflite file under {root}", file=sys.stderr)
        return 2
    out = Path(args.out).resolve()
    commit, dirty = measured_source()
    meta = {
        "models_dir": str(root),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": args.commit or commit,
        "dirty": dirty and not args.commit,
        "samples": args.samples,
        "seed": args.seed,
        "kernels": args.kernels,
    }
    records: list[dict[str, Any]] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {}
        for i, model in enumerate(models):
            rel = str(model.relative_to(root))
            work = out / "work" / f"{i:03d}_{model.stem}"
            futures[pool.submit(_run_worker, model, rel, work, options)] = rel
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            record = future.result()
            records.append(record)
            flag = "  <<<<<<" if record["verdict"] in ("DIFFERS", "CRASH") else ""
            detail = str(record.get("detail", ""))[:110]
            print(
                f"[{done}/{len(models)}] {record['verdict']:12} {record['model']}: {detail}{flag}"
            )
            sys.stdout.flush()
    records.sort(key=lambda r: r["model"])
    print()
    print(write_reports(records, out, meta))
    print(f"wrote {out}/summary.md, table.md, results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
