"""The host side of the serial validation protocol (stai.boards.serial_link) against a
fake device written in Python: a round trip of every command, and the failures a real
link has (corrupted frames both ways, silence, junk, another protocol version, a busy or
missing port), each a one-line StaiError."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from stai.boards import serial_link as sl
from stai.errors import StaiError
from stai.tools.validate_board import SerialRunner

INPUT = (b"input_1", 1, (1, 4), 0.5, -3)
OUTPUT = (b"out", 1, (1, 3), 0.25, 7)
NODES = [(0, 0, b"fully_connected", b"dense/MatMul", (1, 3)), (1, 1, b"softmax", b"out", (1, 3))]


class FakeDevice:
    """A TCP server speaking the device side of the protocol; ``behaviour`` bends it:
    ``version``, ``magic``, ``silent``, ``junk`` (bytes sent instead of any reply),
    ``corrupt_reply`` (the hello reply's CRC is wrong), ``crc_errors`` (requests reported
    corrupted before one is taken), ``cycles``, ``name``."""

    def __init__(self, **behaviour: object):
        self.b = behaviour
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.spec = f"tcp:127.0.0.1:{self.server.getsockname()[1]}"
        self.input = bytearray(4)
        self.crc_errors = int(self.b.get("crc_errors", 0))  # type: ignore[arg-type]
        self.requests: list[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        self.conn = conn
        try:
            while True:
                head = self._read(4)
                size, cmd = struct.unpack_from("<HB", head, 1)
                payload = self._read(size)
                self._read(2)
                self.requests.append(cmd)
                self._answer(cmd, payload)
        except (ConnectionError, OSError):
            pass

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _send(self, cmd: int, payload: bytes = b"", corrupt: bool = False) -> None:
        frame = bytearray(sl.encode_frame(cmd, payload))
        if corrupt:
            frame[-1] ^= 0xFF
        self.conn.sendall(bytes(frame))

    def _answer(self, cmd: int, p: bytes) -> None:
        b = self.b
        if b.get("silent"):
            return
        if b.get("junk"):
            self.conn.sendall(b"\x00hello from another firmware\r\n" * 3)
            return
        if self.crc_errors:
            self.crc_errors -= 1
            self._send(sl.ERROR, bytes([1, cmd]))
            return
        cycles = b.get("cycles", True)
        if cmd == sl.HELLO:
            name = str(b.get("name", "net")).encode()
            flags = sl.FLAG_OBSERVER | (sl.FLAG_CYCLES if cycles else 0)
            body = (
                bytes(b.get("magic", b"STAI"))  # type: ignore[arg-type]
                + bytes([int(b.get("version", sl.PROTOCOL_VERSION)), flags])  # type: ignore[arg-type]
                + struct.pack("<HI", 96, 80_000_000)
                + bytes([len(name)])
                + name
            )
            self._send(cmd | sl.REPLY, body, corrupt=bool(b.get("corrupt_reply")))
        elif cmd == sl.DESCRIBE:
            self._send(cmd | sl.REPLY, struct.pack("<BBHH", 1, 1, len(NODES), 512))
        elif cmd == sl.TENSOR:
            name, code, shape, scale, zp = INPUT if p[0] == 0 else OUTPUT
            dims = list(shape) + [0] * (6 - len(shape))
            body = bytes([p[0], p[1], code, len(shape)]) + struct.pack("<6i", *dims)
            size = int(np.prod(shape))
            body += struct.pack("<fiI", scale, zp, size) + bytes([len(name)]) + name
            self._send(cmd | sl.REPLY, body)
        elif cmd == sl.WRITE_INPUT:
            index, offset = struct.unpack_from("<BI", p)
            if index != 0 or offset + len(p) - 5 > 4:
                self._send(sl.ERROR, bytes([5, cmd]))
                return
            self.input[offset : offset + len(p) - 5] = p[5:]
            self._send(cmd | sl.REPLY)
        elif cmd == sl.RUN:
            if p[0] & sl.RUN_NODE_OUTPUTS:
                for c_id, m_id, type_name, name, shape in NODES:
                    dims = list(shape) + [0] * (6 - len(shape))
                    info = struct.pack("<iiBB", c_id, m_id, 1, len(shape))
                    info += struct.pack("<6ifiIH", *dims, 0.25, 7, 3, len(name))
                    self._send(sl.NODE_INFO, info + bytes([len(type_name)]) + type_name)
                    self._send(sl.NODE_DATA, name[:5])
                    self._send(sl.NODE_DATA, name[5:] + self._result())
            self._send(cmd | sl.REPLY, struct.pack("<iIH", 0, 1234 if cycles else 0, 2))
        elif cmd == sl.READ_OUTPUT:
            index, offset, count = struct.unpack("<BIH", p)
            self._send(cmd | sl.REPLY, self._result()[offset : offset + count])
        elif cmd == sl.READ_NODE_CYCLES:
            first, count = struct.unpack("<HH", p)
            values = [1000, 234][first : first + count]
            self._send(cmd | sl.REPLY, struct.pack(f"<{len(values)}I", *values))
        else:
            self._send(sl.ERROR, bytes([2, cmd]))

    def _result(self) -> bytes:
        """The fake network: output k = input[k] + input[k + 1] (int8)."""
        x = np.frombuffer(bytes(self.input), dtype=np.int8).astype(np.int16)
        return (x[:3] + x[1:]).clip(-128, 127).astype(np.int8).tobytes()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def fake():
    devices: list[FakeDevice] = []

    def make(**behaviour: object) -> FakeDevice:
        devices.append(FakeDevice(**behaviour))
        return devices[-1]

    yield make
    for d in devices:
        d.close()


def test_crc_is_ccitt_false():
    assert sl.crc16(b"123456789") == 0x29B1
    frame = sl.encode_frame(sl.RUN, b"\x01")
    assert frame[:4] == bytes([0xA5, 1, 0, sl.RUN])
    assert struct.unpack("<H", frame[-2:])[0] == sl.crc16(frame[1:-2])


def test_round_trip_of_every_command(fake):
    device = fake()
    with sl.connect(device.spec, timeout=2) as d:
        info = d.info
        assert info is not None and info.name == "net" and info.protocol == 1
        assert info.cycle_counter and info.observer and info.cpu_hz == 80_000_000
        assert info.inputs[0] == sl.Tensor("input_1", "int8", (1, 4), 0.5, -3, 4)
        assert info.outputs[0].shape == (1, 3) and info.outputs[0].zero_point == 7
        d.write_input(0, bytes([1, 2, 3, 4]))
        reply = d.run()
        assert (reply.status, reply.cycles, reply.nodes) == (0, 1234, 2)
        assert d.read_output(0) == bytes([3, 5, 7])
        assert d.read_node_cycles(2) == [1000, 234]
        nodes = d.run(sl.RUN_NODE_OUTPUTS).outputs
        assert [(n.c_id, n.type_name, n.name, n.shape) for n in nodes] == [
            (0, "fully_connected", "dense/MatMul", (1, 3)),
            (1, "softmax", "out", (1, 3)),
        ]
        assert nodes[1].data == bytes([3, 5, 7])
        # Chunks fit the device's 96-byte frames: a long input is split.
        with pytest.raises(StaiError, match="offset or length outside the tensor"):
            d.write_input(0, bytes(200))


def test_a_request_the_device_got_corrupted_is_sent_again(fake):
    device = fake(crc_errors=2)
    with sl.connect(device.spec, timeout=2) as d:
        assert d.info is not None and d.info.name == "net"
    assert device.requests[:3] == [sl.HELLO] * 3


def test_a_device_that_always_gets_corrupted_frames_is_an_error(fake):
    device = fake(crc_errors=99)
    with pytest.raises(StaiError, match="arrived corrupted|CRC mismatch"):
        sl.connect(device.spec, timeout=2)


def test_a_corrupted_reply_is_an_error(fake):
    device = fake(corrupt_reply=True)
    with pytest.raises(StaiError, match=r"corrupted frame from the device \(CRC mismatch\)"):
        sl.connect(device.spec, timeout=2)


def test_a_silent_device_times_out(fake):
    device = fake(silent=True)
    with pytest.raises(StaiError, match=r"no answer within 0\.3 s"):
        sl.connect(device.spec, timeout=0.3)


def test_junk_on_the_line_is_named(fake):
    device = fake(junk=True)
    with pytest.raises(StaiError, match="bytes that are no stai frame"):
        sl.connect(device.spec, timeout=0.3)


def test_another_protocol_version_is_refused(fake):
    device = fake(version=2)
    with pytest.raises(StaiError, match="speaks validation protocol version 2, this stai speaks 1"):
        sl.connect(device.spec, timeout=2)
    device = fake(magic=b"XXXX")
    with pytest.raises(StaiError, match="does not speak stai's validation protocol"):
        sl.connect(device.spec, timeout=2)


def test_device_spellings():
    assert sl.parse_device("serial:/dev/ttyACM0") == ("serial", "/dev/ttyACM0", 115200)
    assert sl.parse_device("serial:/dev/ttyACM0:921600") == ("serial", "/dev/ttyACM0", 921600)
    assert sl.parse_device("serial:COM3:9600") == ("serial", "COM3", 9600)
    assert sl.parse_device("tcp:localhost:4000") == ("tcp", "localhost", 4000)
    for bad in ("ttyACM0", "serial:", "tcp:host", "tcp:host:99999", "usb:1"):
        with pytest.raises(StaiError, match="expected serial:PORT"):
            sl.parse_device(bad)


def test_missing_port_and_refused_socket(tmp_path):
    with pytest.raises(StaiError, match="does not exist|needs pyserial"):
        sl.connect(f"serial:{tmp_path}/ttyNOPE")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StaiError, match="connection refused"):
        sl.connect(f"tcp:127.0.0.1:{port}", timeout=0.2)


def test_a_busy_serial_port_is_named(tmp_path):
    import os
    import pty

    leader, follower = pty.openpty()
    port = os.ttyname(follower)
    try:
        try:
            first = sl.open_serial(port, 115200)
        except StaiError as e:  # pyserial is not installed: the error says how to get it
            assert "needs pyserial" in str(e)
            return
        try:
            with pytest.raises(StaiError, match=f"serial port {port} is busy"):
                sl.open_serial(port, 115200)
        finally:
            first.close()
    finally:
        os.close(leader)
        os.close(follower)


def _folder(tmp_path: Path, name: str = "net", scale: float = 0.5) -> Path:
    folder = tmp_path / "c_model"
    folder.mkdir(parents=True)
    tensor = {"name": "input_1", "shape": [1, 4], "dtype": "int8", "scale": scale, "zero_point": -3}
    out = {"name": "out", "shape": [1, 3], "dtype": "int8", "scale": 0.25, "zero_point": 7}
    meta = {"name": name, "target": "cortex-m4", "observer": True, "inputs": [tensor]}
    meta["outputs"] = [out]
    (folder / f"{name}.json").write_text(json.dumps(meta))
    return folder


def test_serial_runner_reports_cycles_per_inference_and_node(fake, tmp_path):
    import jsonschema

    device = fake()
    nodes = {0: {"type": "fully_connected", "macc": 12}, 1: {"type": "softmax", "macc": 0}}
    runner = SerialRunner(device.spec, _folder(tmp_path), nodes=nodes, timeout=2)
    x = np.array([[[1, 2, 3, 4]], [[10, 20, 30, 40]]], dtype=np.int8)
    run = runner.run([x], per_layer=True)
    np.testing.assert_array_equal(run.outputs[0], [[[3, 5, 7]], [[30, 50, 70]]])
    assert run.nodes is not None and [n.name for n in run.nodes] == ["dense/MatMul", "out"]
    np.testing.assert_array_equal(run.nodes[1].values, run.outputs[0])
    assert run.nodes[1].scale == 0.25 and run.nodes[1].zero_point == 7
    section = runner.report()
    runner.close()
    assert section["cycles"]["mean"] == 1234 and section["cycles"]["min"] == 1234
    assert [n["cycles"] for n in section["cycles"]["nodes"]] == [1000, 234]
    assert section["cycles"]["nodes"][0]["cycles_per_macc"] == round(1000 / 12, 3)
    assert section["device"]["link"] == device.spec and section["machine"] == device.spec
    schema = json.loads(
        (Path(__file__).parents[2] / "docs/schemas/validate.schema.json").read_text()
    )
    jsonschema.validate(section, schema["properties"]["target"])


def test_serial_runner_without_cycle_counter(fake, tmp_path):
    device = fake(cycles=False)
    runner = SerialRunner(device.spec, _folder(tmp_path), timeout=2)
    runner.run([np.zeros((1, 1, 4), dtype=np.int8)])
    section = runner.report()
    runner.close()
    assert section["cycles"] is None and "no cycle counter" in section["counting"]
    assert sl.READ_NODE_CYCLES not in device.requests


def test_serial_runner_refuses_another_network(fake, tmp_path):
    with pytest.raises(StaiError, match="runs the network 'net', not 'kws'.*-n"):
        SerialRunner(fake().spec, _folder(tmp_path, name="kws"), timeout=2)
    with pytest.raises(StaiError, match="input 0 differs from the model's .*scale 0.5"):
        SerialRunner(fake().spec, _folder(tmp_path / "b", scale=0.75), timeout=2)


def test_cli_device_errors_are_one_line(tmp_path, shared_model_path):
    model = str(shared_model_path("hello_world_int8"))
    for extra, message in (
        (["--mode", "target", "--device", "usb:1"], "expected serial:PORT[:BAUD]"),
        (["--mode", "host", "--device", "tcp:127.0.0.1:9"], "give --mode target"),
    ):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "stai.cli.main",
                "validate",
                "-m",
                model,
                "-o",
                str(tmp_path),
                *extra,
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], proc.stderr
