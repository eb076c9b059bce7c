"""The host side of stai's serial validation protocol (``docs/serial-validation.md``).

A validation firmware (``validation/stai_validation.c`` with a board port) answers
framed commands over a UART: ``connect(spec)`` opens the link (``serial:PORT[:BAUD]``
through pyserial, ``tcp:HOST:PORT`` for an emulator's socket), checks the protocol
version and reads the network's description; ``Device`` then loads inputs, runs, reads
outputs, per-node cycle counts and per-node outputs::

    with connect("serial:/dev/ttyACM0:115200") as device:
        device.write_input(0, features.tobytes())
        reply = device.run()
        out = device.read_output(0)
        reply.cycles

Frame, both ways: ``0xA5``, payload length (u16 LE), command (u8), payload, CRC-16/
CCITT-FALSE (u16 LE) over length, command and payload. Every failure (no such port, a
busy one, silence, a corrupted frame, another protocol version, an error the device
reports) is a one-line ``StaiError``.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import time
from dataclasses import dataclass, field, replace
from typing import Protocol

from stai.errors import StaiError

PROTOCOL_VERSION = 1
"""The version of the protocol this module speaks (``STAI_VALIDATION_PROTOCOL``)."""
MAGIC = b"STAI"
SOF = 0xA5
MAX_FRAME_PAYLOAD = 0xFFFF

HELLO, DESCRIBE, TENSOR, WRITE_INPUT, RUN, READ_OUTPUT, READ_NODE_CYCLES = range(1, 8)
REPLY = 0x80
ERROR = 0x7F
NODE_INFO, NODE_DATA = 0xC0, 0xC1

FLAG_OBSERVER, FLAG_CYCLES, FLAG_CMSIS_NN, FLAG_INIT_FAILED = 1, 2, 4, 8
RUN_NODE_CYCLES, RUN_NODE_OUTPUTS = 1, 2

ERRORS = {
    1: "a frame reached the device corrupted (CRC mismatch): noise, or a wrong baud rate",
    2: "the device does not know the command",
    3: "the command's payload has the wrong length",
    4: "no input or output of that index",
    5: "an offset or length outside the tensor",
    6: "the firmware was built without STAI_OBSERVER: no per-node cycles or outputs",
    7: "a frame longer than the device's buffer (STAI_VALIDATION_MAX_PAYLOAD)",
    8: "the network's init failed on the device",
}
"""The device's error codes (``ERR_*`` of ``stai_validation.c``) and what they mean."""

DEFAULT_BAUD = 115200
DEFAULT_TIMEOUT = 5.0
"""Seconds the host waits for each frame of a reply."""
DEFAULT_RUN_TIMEOUT = 120.0
"""Seconds the host waits for a run's reply (a slow board's inference)."""
CRC_RETRIES = 2
"""Times a request is sent again when the device reports it arrived corrupted."""

TYPE_NAMES = {1: "int8", 2: "int16", 3: "int32", 4: "float32", 5: "uint8"}


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection)."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode_frame(cmd: int, payload: bytes = b"") -> bytes:
    """One frame: start byte, length, command, payload, CRC."""
    if len(payload) > MAX_FRAME_PAYLOAD:
        raise StaiError(f"a frame payload of {len(payload)} bytes is too long")
    body = struct.pack("<HB", len(payload), cmd) + payload
    return bytes([SOF]) + body + struct.pack("<H", crc16(body))


# ------------------------------------------------------------------------- transports


class Transport(Protocol):
    """A byte stream to the device."""

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout`` seconds for the first
        (``b""`` when none came)."""
        ...

    def close(self) -> None: ...


class SocketTransport:
    """A connected socket (an emulator's serial port, or a test's fake device)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise StaiError(f"the link closed while writing: {e.strerror or e}") from None

    def read(self, size: int, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 1e-3))
        try:
            data = self.sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as e:
            raise StaiError(f"the link failed while reading: {e.strerror or e}") from None
        if not data:
            raise StaiError("the other end closed the link")
        return data

    def close(self) -> None:
        self.sock.close()


class SerialTransport:
    """A serial port through pyserial."""

    def __init__(self, port: object):
        self.port = port

    def write(self, data: bytes) -> None:
        self.port.write(data)  # type: ignore[attr-defined]

    def read(self, size: int, timeout: float) -> bytes:
        self.port.timeout = max(timeout, 1e-3)  # type: ignore[attr-defined]
        first = self.port.read(1)  # type: ignore[attr-defined]
        if not first or size == 1:
            return bytes(first)
        waiting = int(self.port.in_waiting)  # type: ignore[attr-defined]
        rest = self.port.read(min(size - 1, waiting)) if waiting else b""  # type: ignore[attr-defined]
        return bytes(first) + bytes(rest)

    def close(self) -> None:
        self.port.close()  # type: ignore[attr-defined]


def _pyserial_hint() -> str:
    from stai.errors import install_hint

    return install_hint("serial")


def open_serial(port: str, baud: int) -> SerialTransport:
    """Open ``port`` at ``baud`` (8N1, exclusive); ``StaiError`` when it is missing, busy
    or not permitted."""
    try:
        import serial  # type: ignore[import-not-found]
    except ImportError:
        raise StaiError(f"--device serial: needs pyserial: {_pyserial_hint()}") from None
    if not os.path.exists(port) and port.startswith("/"):
        raise StaiError(f"serial port {port} does not exist (is the board plugged in?)")
    try:
        handle = serial.Serial(port, baud, timeout=DEFAULT_TIMEOUT, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as e:
        code = getattr(e, "errno", None)
        text = " ".join(str(e).split())
        if code == errno.ENOENT or "No such file" in text or "FileNotFound" in text:
            raise StaiError(
                f"serial port {port} does not exist (is the board plugged in?)"
            ) from None
        if code == errno.EBUSY or "busy" in text.lower() or "exclusively lock" in text:
            raise StaiError(
                f"serial port {port} is busy: another program has it open (a serial monitor?)"
            ) from None
        if code == errno.EACCES or "denied" in text.lower():
            raise StaiError(
                f"no permission to open {port} (on Linux: add yourself to the dialout group)"
            ) from None
        raise StaiError(f"cannot open serial port {port}: {text}") from None
    handle.reset_input_buffer()
    return SerialTransport(handle)


def open_tcp(host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> SocketTransport:
    """Connect to ``host:port``, retrying refused connections for ``timeout`` seconds (an
    emulator that is still starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return SocketTransport(sock)
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:
                raise StaiError(f"nothing listens on {host}:{port} (connection refused)") from None
            time.sleep(0.05)
        except OSError as e:
            raise StaiError(f"cannot connect to {host}:{port}: {e.strerror or e}") from None


def parse_device(spec: str) -> tuple[str, str, int]:
    """``serial:PORT[:BAUD]`` -> ``("serial", PORT, BAUD)``; ``tcp:HOST:PORT`` ->
    ``("tcp", HOST, PORT)``."""
    kind, _, rest = spec.partition(":")
    if kind == "serial" and rest:
        port, baud = rest, DEFAULT_BAUD
        head, _, tail = rest.rpartition(":")
        if head and tail.isdigit():
            port, baud = head, int(tail)
        if baud <= 0:
            raise StaiError(f"--device {spec}: the baud rate must be positive")
        return kind, port, baud
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return kind, host, int(port)
    raise StaiError(
        f"--device {spec}: expected serial:PORT[:BAUD] (e.g. serial:/dev/ttyACM0:115200, "
        "serial:COM3) or tcp:HOST:PORT"
    )


# ---------------------------------------------------------------------------- the device


@dataclass(frozen=True)
class Tensor:
    """An input or output as the device describes it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    scale: float | None
    zero_point: int | None
    size: int
    """Bytes."""


@dataclass(frozen=True)
class DeviceInfo:
    """The hello and describe replies."""

    protocol: int
    name: str
    observer: bool
    cycle_counter: bool
    cmsis_nn: bool
    init_failed: bool
    max_payload: int
    cpu_hz: int
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    node_num: int = 0
    max_nodes: int = 0


@dataclass
class NodeOutput:
    """One node's description and output, sent by the device during a run."""

    c_id: int
    m_id: int
    type: int
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    type_name: str
    name: str
    data: bytes


@dataclass
class RunReply:
    """A run's status, its cycles (None without a cycle counter), the nodes the observer
    saw, and their outputs when they were asked for."""

    status: int
    cycles: int | None
    nodes: int
    outputs: list[NodeOutput] = field(default_factory=list)


def _tensor(payload: bytes) -> Tensor:
    if len(payload) < 41:
        raise StaiError(f"a describe reply of {len(payload)} bytes is too short")
    _role, _index, type_code, rank = payload[:4]
    dims = struct.unpack_from("<6i", payload, 4)
    scale, zero_point, size = struct.unpack_from("<fiI", payload, 28)
    name = payload[41 : 41 + payload[40]].decode(errors="replace")
    dtype = TYPE_NAMES.get(type_code)
    if dtype is None or rank > 6:
        raise StaiError(f"the device describes '{name}' with an unknown type {type_code}")
    quantized = dtype != "float32" and scale != 0.0
    return Tensor(
        name,
        dtype,
        tuple(dims[:rank]),
        float(scale) if quantized else None,
        int(zero_point) if quantized else None,
        int(size),
    )


class Device:
    """A validation firmware on the other end of ``transport`` (``connect`` opens one)."""

    def __init__(
        self,
        transport: Transport,
        link: str = "device",
        timeout: float = DEFAULT_TIMEOUT,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
    ):
        self.transport = transport
        self.link = link
        self.timeout = timeout
        self.run_timeout = run_timeout
        self._buffer = b""
        self.info: DeviceInfo | None = None

    # --------------------------------------------------------------------- frames
    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self, size: int, deadline: float, skipped: list[int]) -> bytes:
        while len(self._buffer) < size:
            left = deadline - time.monotonic()
            chunk = self.transport.read(4096, left) if left > 0 else b""
            if not chunk:
                if skipped[0]:
                    raise StaiError(
                        f"{self.link}: {skipped[0]} bytes that are no stai frame, then silence "
                        "(another firmware or protocol on the port, or a wrong baud rate?)"
                    )
                raise StaiError(
                    f"{self.link}: no answer within {self.timeout:g} s (is stai's validation "
                    "firmware flashed and running, on this port and baud rate?)"
                )
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_frame(self, timeout: float | None = None) -> tuple[int, bytes]:
        """The next frame from the device: ``(command, payload)``; bytes before its start
        byte are skipped."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        skipped = [0]
        while self._take(1, deadline, skipped)[0] != SOF:
            skipped[0] += 1
        head = self._take(3, deadline, skipped)
        size, cmd = struct.unpack("<HB", head)
        payload = self._take(size, deadline, skipped)
        (crc,) = struct.unpack("<H", self._take(2, deadline, skipped))
        if crc16(head + payload) != crc:
            raise StaiError(
                f"{self.link}: a corrupted frame from the device (CRC mismatch): noise on the "
                "line, or a wrong baud rate"
            )
        return cmd, payload

    def request(
        self, cmd: int, payload: bytes = b"", timeout: float | None = None
    ) -> tuple[int, bytes]:
        """Send a command and read the next frame; a device error is a ``StaiError`` (a
        request the device got corrupted is sent again, ``CRC_RETRIES`` times)."""
        for attempt in range(CRC_RETRIES + 1):
            self.transport.write(encode_frame(cmd, payload))
            got, body = self.read_frame(timeout)
            if got == ERROR:
                code = body[0] if body else 0
                if code == 1 and attempt < CRC_RETRIES:
                    continue
                meaning = ERRORS.get(code, f"error code {code}")
                raise StaiError(f"{self.link}: the device refused command {cmd}: {meaning}")
            return got, body
        raise AssertionError("unreachable")

    def _expect(self, cmd: int, payload: bytes = b"", timeout: float | None = None) -> bytes:
        got, body = self.request(cmd, payload, timeout)
        if got != cmd | REPLY:
            raise StaiError(f"{self.link}: reply {got:#04x} to command {cmd} (out of step)")
        return body

    # ------------------------------------------------------------------- commands
    def hello(self) -> DeviceInfo:
        """Check the device speaks this protocol version; its flags and name."""
        body = self._expect(HELLO)
        if len(body) < 13 or body[:4] != MAGIC:
            raise StaiError(f"{self.link}: the device does not speak stai's validation protocol")
        version = body[4]
        if version != PROTOCOL_VERSION:
            raise StaiError(
                f"{self.link}: the device speaks validation protocol version {version}, this "
                f"stai speaks {PROTOCOL_VERSION}: rebuild the firmware with this stai's "
                "stai/boards/validation sources"
            )
        flags = body[5]
        (max_payload,) = struct.unpack_from("<H", body, 6)
        (cpu_hz,) = struct.unpack_from("<I", body, 8)
        name = body[13 : 13 + body[12]].decode(errors="replace")
        return DeviceInfo(
            version,
            name,
            bool(flags & FLAG_OBSERVER),
            bool(flags & FLAG_CYCLES),
            bool(flags & FLAG_CMSIS_NN),
            bool(flags & FLAG_INIT_FAILED),
            max_payload,
            cpu_hz,
        )

    def describe(self) -> DeviceInfo:
        """``hello`` plus the inputs, outputs and node count; kept as ``info``."""
        info = self.hello()
        body = self._expect(DESCRIBE)
        if len(body) < 6:
            raise StaiError(f"{self.link}: a describe reply of {len(body)} bytes is too short")
        n_in, n_out = body[0], body[1]
        node_num, max_nodes = struct.unpack_from("<HH", body, 2)
        inputs = [_tensor(self._expect(TENSOR, bytes([0, i]))) for i in range(n_in)]
        outputs = [_tensor(self._expect(TENSOR, bytes([1, i]))) for i in range(n_out)]
        self.info = replace(
            info, inputs=inputs, outputs=outputs, node_num=node_num, max_nodes=max_nodes
        )
        return self.info

    def _described(self) -> DeviceInfo:
        return self.info if self.info is not None else self.describe()

    def write_input(self, index: int, data: bytes) -> None:
        """Load input ``index`` (in chunks that fit the device's frames)."""
        chunk = self._described().max_payload - 5
        for offset in range(0, max(len(data), 1), chunk):
            part = data[offset : offset + chunk]
            self._expect(WRITE_INPUT, struct.pack("<BI", index, offset) + part)

    def read_output(self, index: int, size: int | None = None) -> bytes:
        """Output ``index``'s bytes after a run."""
        info = self._described()
        total = info.outputs[index].size if size is None else size
        out = bytearray()
        while len(out) < total:
            count = min(info.max_payload, total - len(out))
            body = self._expect(READ_OUTPUT, struct.pack("<BIH", index, len(out), count))
            if len(body) != count:
                raise StaiError(f"{self.link}: asked for {count} output bytes, got {len(body)}")
            out += body
        return bytes(out)

    def run(self, flags: int = 0) -> RunReply:
        """Run the network once; ``RUN_NODE_CYCLES`` records each node's cycles,
        ``RUN_NODE_OUTPUTS`` has the device send each node's output as it runs."""
        info = self._described()
        self.transport.write(encode_frame(RUN, bytes([flags])))
        outputs: list[NodeOutput] = []
        while True:
            cmd, body = self.read_frame(self.run_timeout)
            if cmd == NODE_INFO:
                outputs.append(self._node(body))
            elif cmd == ERROR:
                code = body[0] if body else 0
                raise StaiError(f"{self.link}: the device refused to run: {ERRORS.get(code, code)}")
            elif cmd == RUN | REPLY and len(body) >= 10:
                status, cycles, nodes = struct.unpack_from("<iIH", body)
                return RunReply(status, cycles if info.cycle_counter else None, nodes, outputs)
            else:
                raise StaiError(f"{self.link}: frame {cmd:#04x} during a run (out of step)")

    def _node(self, body: bytes) -> NodeOutput:
        """A NODE_INFO frame, then the node's name and output from NODE_DATA frames."""
        if len(body) < 49:
            raise StaiError(f"{self.link}: a node frame of {len(body)} bytes is too short")
        c_id, m_id, type_code, rank = struct.unpack_from("<iiBB", body)
        dims = struct.unpack_from("<6i", body, 10)
        scale, zero_point, size, name_len = struct.unpack_from("<fiIH", body, 34)
        type_name = body[49 : 49 + body[48]].decode(errors="replace")
        data = bytearray()
        while len(data) < name_len + size:
            cmd, chunk = self.read_frame(self.run_timeout)
            if cmd != NODE_DATA:
                raise StaiError(f"{self.link}: node {c_id}'s output ends early")
            data += chunk
        if len(data) != name_len + size:
            raise StaiError(
                f"{self.link}: node {c_id} sent {len(data)} bytes, expected {name_len + size}"
            )
        name = bytes(data[:name_len]).decode(errors="replace")
        return NodeOutput(
            c_id,
            m_id,
            type_code,
            tuple(dims[:rank]),
            scale,
            zero_point,
            type_name,
            name,
            bytes(data[name_len:]),
        )

    def read_node_cycles(self, count: int) -> list[int]:
        """The cycles of nodes 0..count-1 in the last run with ``RUN_NODE_CYCLES``."""
        info = self._described()
        per_frame = info.max_payload // 4
        cycles: list[int] = []
        while len(cycles) < count:
            n = min(per_frame, count - len(cycles))
            body = self._expect(READ_NODE_CYCLES, struct.pack("<HH", len(cycles), n))
            if len(body) != 4 * n:
                raise StaiError(
                    f"{self.link}: asked for {n} node cycle counts, got {len(body) // 4}"
                )
            cycles += list(struct.unpack(f"<{n}I", body))
        return cycles


def connect(
    spec: str, timeout: float = DEFAULT_TIMEOUT, run_timeout: float = DEFAULT_RUN_TIMEOUT
) -> Device:
    """Open the link ``spec`` (``serial:PORT[:BAUD]`` or ``tcp:HOST:PORT``), check the
    protocol version and read the description (``Device.info``)."""
    kind, where, number = parse_device(spec)
    if kind == "serial":
        transport: Transport = open_serial(where, number)
    else:
        transport = open_tcp(where, number, timeout)
    device = Device(transport, spec, timeout, run_timeout)
    try:
        device.describe()
    except BaseException:
        device.close()
        raise
    return device
