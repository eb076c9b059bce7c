"""``stai validate --mode target``: the generated code run on an emulated Cortex-M.

``TargetRunner`` has the interface ``stai.tools.validate`` uses of the host runner
(``stai.runtime.model_runner.Runner``): ``inputs``, ``outputs``, ``has_observer`` and
``run(batch, per_layer) -> RunResult``. Behind it a ``TargetModel`` runs each batch on
QEMU; every run also counts instructions per inference and per node (the observer
firmware), and ``report()`` sums them up with the firmware's footprint for the
validation report (its ``target`` section).

``SerialRunner`` has the same interface for a validation firmware on a board (or an
emulator) reached over a serial link (``stai.boards.serial_link``, ``--device``): it
reports cycles per inference and per node from the device's cycle counter instead of
instructions and footprint.

Every node of that section has its kernel type and MACC when the runner knows the
compiled module (``node_facts`` of the module after ``plan-memory``, passed as
``TargetRunner(..., nodes=)``), and else the type a ``--per-layer`` capture recorded;
``instructions_per_macc`` divides a node's (and the total's) instructions by its MACC.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stai.boards.boards import board_for
from stai.boards.firmware import read_meta
from stai.boards.footprint import COLUMNS
from stai.boards.runner import NodeResult, SampleResult, TargetModel
from stai.boards.serial_link import (
    DEFAULT_TIMEOUT,
    RUN_NODE_CYCLES,
    RUN_NODE_OUTPUTS,
    DeviceInfo,
    NodeOutput,
    Tensor,
    connect,
)
from stai.errors import StaiError
from stai.runtime.inputs import check_input_count
from stai.runtime.model_runner import NodeCapture, RunResult

if TYPE_CHECKING:
    from rich.console import Console


class TargetRunner:
    """A generated folder (generated with ``--target`` and ``--observer``) run on QEMU."""

    def __init__(
        self,
        folder: str | Path,
        name: str | None = None,
        cmsis_nn_path: str | Path | None = None,
        nodes: dict[int, dict[str, Any]] | None = None,
    ):
        self.model = TargetModel(folder, name, cmsis_nn_path=cmsis_nn_path)
        self.name = self.model.name
        self.samples: list[SampleResult] = []
        self.nodes = nodes or {}
        """``node_facts`` of the compiled module: each node's type and MACC."""

    @property
    def inputs(self) -> list[dict]:
        return self.model.inputs

    @property
    def outputs(self) -> list[dict]:
        return self.model.outputs

    @property
    def has_observer(self) -> bool:
        return self.model.has_observer

    def run(self, inputs: list[np.ndarray], per_layer: bool = False) -> RunResult:
        """Run a batch (one ``(batch, *shape)`` array per input) on the target."""
        check_input_count(len(inputs), len(self.inputs))
        n = int(np.asarray(inputs[0]).shape[0])
        samples = [[np.asarray(x)[k] for x in inputs] for k in range(n)]
        result = self.model.run_many(samples, per_node=self.has_observer, capture=per_layer)
        self.samples += result.samples
        outputs = [
            np.stack([s.outputs[j] for s in result.samples]) for j in range(len(self.outputs))
        ]
        run = RunResult(outputs, np.zeros(n, dtype=np.int64))
        if per_layer:
            run.nodes = _captures(result.samples)
        return run

    def report(self) -> dict[str, Any]:
        """The ``target`` section of the validation report."""
        model = self.model
        counts = [s.instructions for s in self.samples if s.instructions is not None]
        glue = [s.glue_share for s in self.samples if s.glue_share is not None]
        nodes: dict[int, list[int]] = {}
        types: dict[int, str | None] = {c_id: f["type"] for c_id, f in self.nodes.items()}
        for s in self.samples:
            for node in s.nodes:
                nodes.setdefault(node.c_id, []).append(node.instructions)
                if types.get(node.c_id) is None:
                    types[node.c_id] = node.type_name
        maccs = {c_id: int(f["macc"]) for c_id, f in self.nodes.items()}
        rows = [
            {
                "c_id": c,
                "type": types.get(c),
                "instructions": float(np.mean(v)),
                "macc": maccs.get(c),
                "instructions_per_macc": _per_macc(float(np.mean(v)), maccs.get(c)),
            }
            for c, v in sorted(nodes.items())
        ]
        total_macc = sum(maccs.values()) if maccs else None
        mean = float(np.mean(counts)) if counts else None
        footprint = model.footprint.as_dict()
        footprint["stack_used"] = max((s.stack_bytes for s in self.samples), default=None)
        return {
            "target": model.target.name,
            "machine": board_for(model.target).machine,
            "kernels": model.firmware.kernels,
            "counting": "QEMU TCG plugin, every executed instruction (resolution: 1 instruction);"
            " instructions, not cycles",
            "instructions": {
                "mean": mean,
                "min": min(counts) if counts else None,
                "max": max(counts) if counts else None,
            },
            "macc": total_macc,
            "instructions_per_macc": _per_macc(mean, total_macc),
            "glue_share": float(np.mean(glue)) if glue else None,
            "nodes": rows,
            "footprint": footprint,
        }


class SerialRunner:
    """A generated folder's network run by stai's validation firmware on a device reached
    over a serial link (``serial:PORT[:BAUD]``) or an emulator's socket (``tcp:HOST:PORT``).

    The device must run the folder's network: its description (name, inputs and outputs
    with types, shapes and quantization) is checked against ``folder``'s ``NAME.json``."""

    def __init__(
        self,
        device: str,
        folder: str | Path,
        name: str | None = None,
        nodes: dict[int, dict[str, Any]] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.meta = read_meta(Path(folder), name)
        self.name: str = self.meta["name"]
        self.prefix: str = self.meta.get("c_prefix", "stai")
        self.spec = device
        self.device = connect(device, timeout)
        try:
            self.info: DeviceInfo = self.device.describe()
            _check_description(self.info, self.meta, device)
        except BaseException:
            self.device.close()
            raise
        self.nodes = nodes or {}
        """``node_facts`` of the compiled module: each node's type and MACC."""
        self.cycles: list[int] = []
        self.node_cycles: dict[int, list[int]] = {}
        self.node_types: dict[int, str] = {}

    def close(self) -> None:
        self.device.close()

    @property
    def inputs(self) -> list[dict]:
        return self.meta["inputs"]

    @property
    def outputs(self) -> list[dict]:
        return self.meta["outputs"]

    @property
    def has_observer(self) -> bool:
        """Whether the firmware was built with ``STAI_OBSERVER`` (per-node commands)."""
        return self.info.observer

    def _run_checked(self, flags: int, inputs: list[bytes]) -> Any:
        """Load ``inputs`` (a run may overwrite them: they can live in the activations)
        and run."""
        for i, data in enumerate(inputs):
            self.device.write_input(i, data)
        reply = self.device.run(flags)
        if reply.status != 0:
            raise StaiError(
                f"{self.prefix}_{self.name}_run returned {reply.status} on the device {self.spec}"
            )
        return reply

    def run(self, inputs: list[np.ndarray], per_layer: bool = False) -> RunResult:
        """Run a batch (one ``(batch, *shape)`` array per input) on the device, one sample
        at a time: inputs, run, outputs; with a cycle counter and the observer a second
        run times every node, and ``per_layer`` a third streams every node's output."""
        check_input_count(len(inputs), len(self.inputs))
        if per_layer and not self.has_observer:
            raise StaiError(
                f"--per-layer: the firmware on {self.spec} was built without STAI_OBSERVER"
            )
        n = int(np.asarray(inputs[0]).shape[0])
        samples: list[SampleResult] = []
        for k in range(n):
            data = [
                np.ascontiguousarray(np.asarray(x)[k], dtype=np.dtype(info["dtype"])).tobytes()
                for x, info in zip(inputs, self.inputs)
            ]
            reply = self._run_checked(0, data)
            if reply.cycles is not None:
                self.cycles.append(reply.cycles)
            outputs = [
                np.frombuffer(self.device.read_output(j), dtype=np.dtype(info["dtype"]))
                .reshape(info["shape"])
                .copy()
                for j, info in enumerate(self.outputs)
            ]
            sample = SampleResult(outputs, reply.status, 0, reply.cycles)
            if self.has_observer and self.info.cycle_counter:
                timed = self._run_checked(RUN_NODE_CYCLES, data)
                count = min(timed.nodes, self.info.max_nodes)
                for c_id, cycles in enumerate(self.device.read_node_cycles(count)):
                    self.node_cycles.setdefault(c_id, []).append(cycles)
            if per_layer:
                captured = self._run_checked(RUN_NODE_OUTPUTS, data)
                sample.nodes = [_node_result(node) for node in captured.outputs]
                for node in sample.nodes:
                    self.node_types.setdefault(node.c_id, node.type_name or "")
            samples.append(sample)
        outputs = [np.stack([s.outputs[j] for s in samples]) for j in range(len(self.outputs))]
        run = RunResult(outputs, np.zeros(n, dtype=np.int64))
        if per_layer:
            run.nodes = _captures(samples)
        return run

    def report(self) -> dict[str, Any]:
        """The ``target`` section of the validation report: the device and its cycles."""
        info = self.info
        maccs = {c_id: int(f["macc"]) for c_id, f in self.nodes.items()}
        total_macc = sum(maccs.values()) if maccs else None
        cycles: dict[str, Any] | None = None
        if self.cycles:
            mean = float(np.mean(self.cycles))
            cycles = {
                "mean": mean,
                "min": min(self.cycles),
                "max": max(self.cycles),
                "per_macc": _per_macc(mean, total_macc),
                "nodes": [
                    {
                        "c_id": c_id,
                        "type": (self.nodes.get(c_id) or {}).get("type")
                        or self.node_types.get(c_id),
                        "cycles": float(np.mean(values)),
                        "macc": maccs.get(c_id),
                        "cycles_per_macc": _per_macc(float(np.mean(values)), maccs.get(c_id)),
                    }
                    for c_id, values in sorted(self.node_cycles.items())
                ],
            }
        counting = (
            "the device's cycle counter, read around each run and, through the observer, "
            "each node (resolution: 1 cycle)"
            if info.cycle_counter
            else "the device reports no cycle counter: no cycles"
        )
        footprint: dict[str, Any] = {key: None for _title, key in COLUMNS}
        footprint["stack_used"] = None
        return {
            "target": self.meta.get("target"),
            "machine": self.spec,
            "kernels": "cmsis-nn" if info.cmsis_nn else "portable",
            "counting": counting,
            "instructions": {"mean": None, "min": None, "max": None},
            "macc": total_macc,
            "instructions_per_macc": None,
            "glue_share": None,
            "nodes": [],
            "footprint": footprint,
            "device": {
                "link": self.spec,
                "protocol": info.protocol,
                "network": info.name,
                "cycle_counter": info.cycle_counter,
                "cpu_hz": info.cpu_hz or None,
                "observer": info.observer,
                "max_payload": info.max_payload,
            },
            "cycles": cycles,
        }


def _check_description(info: DeviceInfo, meta: dict[str, Any], spec: str) -> None:
    """``StaiError`` unless the device runs the network ``meta`` describes."""
    if info.init_failed:
        raise StaiError(f"{spec}: the network's init failed on the device")
    if info.name != meta["name"]:
        raise StaiError(
            f"{spec} runs the network '{info.name}', not '{meta['name']}' (give validate "
            "-n the name the firmware's folder was generated with)"
        )
    for role, device_side in (("input", info.inputs), ("output", info.outputs)):
        expected = meta[f"{role}s"]
        if len(device_side) != len(expected):
            raise StaiError(
                f"{spec}: the device's network has {len(device_side)} {role}s, the model "
                f"{len(expected)}"
            )
        for index, (tensor, want) in enumerate(zip(device_side, expected)):
            problem = _tensor_difference(tensor, want)
            if problem:
                raise StaiError(
                    f"{spec}: {role} {index} differs from the model's ({problem}): the firmware "
                    "was built from another model or options"
                )


def _tensor_difference(tensor: Tensor, want: dict[str, Any]) -> str | None:
    shape = tuple(int(d) for d in want["shape"])
    if tensor.dtype != want["dtype"] or tensor.shape != shape:
        return (
            f"{tensor.dtype}{list(tensor.shape)} on the device, "
            f"{want['dtype']}{list(shape)} in the model"
        )
    scale, zero_point = want.get("scale"), want.get("zero_point")
    if (tensor.scale is None) != (not scale):
        return "quantized on one side only"
    if tensor.scale is not None and scale:
        if abs(tensor.scale - float(scale)) > 1e-6 * abs(float(scale)) or (
            tensor.zero_point != int(zero_point or 0)
        ):
            return (
                f"scale {tensor.scale:g} zero point {tensor.zero_point} on the device, "
                f"scale {float(scale):g} zero point {zero_point} in the model"
            )
    return None


_NODE_DTYPES = {
    1: np.dtype(np.int8),
    2: np.dtype(np.int16),
    3: np.dtype(np.int32),
    4: np.dtype(np.float32),
    5: np.dtype(np.uint8),
}


def _node_result(node: NodeOutput) -> NodeResult:
    """A node's output sent by the device, as the emulated runner's ``NodeResult``."""
    dtype = _NODE_DTYPES.get(node.type, np.dtype(np.uint8))
    quantized = dtype.kind in "iu" and node.scale != 0.0
    return NodeResult(
        node.c_id,
        0,
        m_id=node.m_id,
        type_name=node.type_name,
        name=node.name,
        shape=node.shape,
        dtype=dtype,
        scale=float(node.scale) if quantized else None,
        zero_point=node.zero_point if quantized else None,
        values=np.frombuffer(node.data, dtype=dtype).reshape(node.shape).copy(),
    )


def _per_macc(instructions: float | None, macc: int | None) -> float | None:
    """Instructions per multiply-accumulate (None without MACC: a node that does none, or
    unknown)."""
    if instructions is None or not macc:
        return None
    return round(instructions / macc, 3)


def node_facts(planned: Any) -> dict[int, dict[str, Any]]:
    """``c_id -> {"type", "macc"}`` of a module after ``plan-memory``
    (``compile_model(..., keep_planned=True).planned``): its kernels in execution order,
    as the observer numbers them."""
    from xdsl.dialects import func

    from stai.dialects import qnn

    facts: dict[int, dict[str, Any]] = {}
    for fn in planned.walk():
        if not isinstance(fn, func.FuncOp) or not (
            "buf.inputs" in fn.attributes or "buf.outputs" in fn.attributes
        ):
            continue
        kernels = [op for op in fn.body.block.ops if isinstance(op, qnn.KernelOp)]
        for c_id, op in enumerate(kernels):
            facts[c_id] = {"type": op.name.removeprefix("qnn."), "macc": int(op.macc())}
    return facts


def _captured(node: NodeResult) -> np.ndarray:
    """A node's output values, which a run with ``capture`` always records."""
    assert node.values is not None, f"node {node.c_id}: no captured output"
    return node.values


def _captures(samples: list[SampleResult]) -> list[NodeCapture]:
    """The nodes' outputs over a batch, in the host runner's form (no host times)."""
    captures = []
    first = samples[0].nodes
    for i, node in enumerate(first):
        values = np.stack([_captured(s.nodes[i]) for s in samples])
        captures.append(
            NodeCapture(
                c_id=node.c_id,
                m_id=node.m_id if node.m_id is not None else -1,
                type_name=node.type_name or "",
                name=node.name or "",
                shape=node.shape or (),
                dtype=node.dtype or values.dtype,
                scale=node.scale,
                zero_point=node.zero_point,
                values=values,
                time_ns=np.zeros(len(samples), dtype=np.int64),
            )
        )
    return captures


def print_footprint_table(
    console: Console,
    title: str,
    footprint: dict[str, Any],
    extra: tuple[tuple[str, str], ...] = (),
    note: str | None = None,
) -> None:
    """A firmware footprint (``Footprint.as_dict``) as one table row of ``COLUMNS`` (and
    ``extra``); a console too narrow for it gets the figures stacked, never cut."""
    from stai.tools.analysis import print_table

    columns = (*COLUMNS, *extra)
    print_table(
        console,
        title,
        [(head, "right") for head, _key in columns],
        [[f"{footprint[key]:,}" if footprint.get(key) is not None else "-" for _h, key in columns]],
        note=note,
    )


def print_target(section: dict[str, Any], console: Console) -> None:
    """The ``target`` section as tables (instructions, per node, footprint; a device's
    cycles per inference and per node)."""
    from stai.tools.analysis import print_table

    if "device" in section:
        print_device(section, console)
        return

    ins = section["instructions"]
    glue = section.get("glue_share")
    per_macc = section.get("instructions_per_macc")
    loader = " through the loader" if section.get("loader") else ""
    console.print(
        f"target {section['target']} (QEMU {section['machine']}, {section['kernels']} kernels)"
        f"{loader}: "
        f"{ins['mean']:,.0f} instructions per inference (min {ins['min']:,}, max {ins['max']:,})"
        + (f", {per_macc:,.3f} per MACC" if per_macc is not None else "")
        + (f"; generated code {100 * glue:.3f}% of them" if glue is not None else ""),
        highlight=False,
    )
    console.print(f"counting: {section['counting']}", highlight=False)
    if section["nodes"]:
        total = sum(n["instructions"] for n in section["nodes"]) or 1.0
        rows = [
            [
                str(n["c_id"]),
                n["type"] or "?",
                f"{n['instructions']:,.0f}",
                "-" if n.get("macc") is None else f"{n['macc']:,}",
                "-"
                if n.get("instructions_per_macc") is None
                else f"{n['instructions_per_macc']:,.3f}",
                f"{100 * n['instructions'] / total:.1f}%",
            ]
            for n in section["nodes"]
        ]
        columns = [
            ("c_id", "right"),
            ("type", "left"),
            ("instructions", "right"),
            ("MACC", "right"),
            ("instr/MACC", "right"),
            ("share", "right"),
        ]
        print_table(console, "instructions per node (target)", columns, rows)
    if "ram_image" in section["footprint"]:  # --relocatable: the loader and the image
        print_footprint_table(
            console,
            "footprint (loader firmware and image, bytes)",
            section["footprint"],
            extra=(("image in RAM", "ram_image"),),
            note="flash = the loader firmware + the image file; RAM = arena + image in RAM + "
            "data + bss + stack reserved",
        )
        return
    print_footprint_table(
        console,
        "footprint (linked firmware, bytes)",
        section["footprint"],
        extra=(("stack used", "stack_used"),),
    )


def print_device(section: dict[str, Any], console: Console) -> None:
    """The ``target`` section of a serial-link run: the device, its cycles, per node."""
    from stai.tools.analysis import print_table

    device = section["device"]
    cycles = section.get("cycles")
    head = (
        f"device {device['link']} (network '{device['network']}', {section['target']}, "
        f"{section['kernels']} kernels, protocol {device['protocol']})"
    )
    if cycles is None:
        console.print(f"{head}: no cycle counts ({section['counting']})", highlight=False)
        return
    per_macc = cycles.get("per_macc")
    console.print(
        f"{head}: {cycles['mean']:,.0f} cycles per inference (min {cycles['min']:,}, "
        f"max {cycles['max']:,})" + (f", {per_macc:,.3f} per MACC" if per_macc else ""),
        highlight=False,
    )
    console.print(f"counting: {section['counting']}", highlight=False)
    if cycles["nodes"]:
        total = sum(n["cycles"] for n in cycles["nodes"]) or 1.0
        rows = [
            [
                str(n["c_id"]),
                n["type"] or "?",
                f"{n['cycles']:,.0f}",
                "-" if n.get("macc") is None else f"{n['macc']:,}",
                "-" if n.get("cycles_per_macc") is None else f"{n['cycles_per_macc']:,.3f}",
                f"{100 * n['cycles'] / total:.1f}%",
            ]
            for n in cycles["nodes"]
        ]
        columns = [
            ("c_id", "right"),
            ("type", "left"),
            ("cycles", "right"),
            ("MACC", "right"),
            ("cycles/MACC", "right"),
            ("share", "right"),
        ]
        print_table(console, "cycles per node (device)", columns, rows)
