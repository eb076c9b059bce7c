"""The two headers that bind stai's validation firmware (``validation/``) to one network.

``stai_harness_net.h`` (``firmware.harness_header``) holds the network's buffers and the
static ``net_init``, ``net_run``, ``net_input_ptr``... functions; ``stai_validation_net.h``
describes the network for the protocol's describe commands: its name, node count and,
per input and output, the name, type, shape and quantization. A user writes them next to
a generated folder with::

    python -m stai.boards.validation_glue out/kws   # writes out/kws/stai_*_net.h

(``docs/serial-validation.md``); ``firmware.build_validation_firmware`` writes them for
the emulated boards.
"""

from __future__ import annotations

import sys
from pathlib import Path

from stai.boards.firmware import HARNESS_HEADER, harness_header, read_meta
from stai.errors import StaiError

VALIDATION_HEADER = "stai_validation_net.h"
TYPE_CODES = {"int8": 1, "int16": 2, "int32": 3, "float32": 4, "uint8": 5}
"""The protocol's element types (the observer's ``stai_tensor_type``, and 5 for uint8)."""
TYPE_NAMES = {code: name for name, code in TYPE_CODES.items()}
MAX_RANK = 6


def _c_string(text: str) -> str:
    """``text`` as a C string literal (printable ASCII kept, the rest as octal escapes)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127 and ch != "?":
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _tensor(info: dict) -> str:
    dtype = str(info["dtype"])
    if dtype not in TYPE_CODES:
        raise StaiError(f"the validation firmware does not carry {dtype} tensors")
    shape = [int(d) for d in info["shape"]]
    if len(shape) > MAX_RANK:
        raise StaiError(f"tensor '{info['name']}' has rank {len(shape)}, above {MAX_RANK}")
    dims = ", ".join(str(d) for d in shape + [0] * (MAX_RANK - len(shape)))
    scale = info.get("scale")
    scale_text = f"{float(scale):.9e}f" if scale else "0.0f"
    zero_point = int(info.get("zero_point") or 0)
    return (
        f"    {{{_c_string(str(info['name']))}, {TYPE_CODES[dtype]}, {len(shape)}, "
        f"{{{dims}}}, {scale_text}, {zero_point}}},"
    )


def validation_header(meta: dict) -> str:
    """The text of ``stai_validation_net.h`` for a generated folder's ``NAME.json``."""
    if meta.get("weights_file"):
        raise StaiError(
            "the validation firmware links the weights in: generate the folder without --binary"
        )
    name = str(meta["name"])
    up = f"{meta.get('c_prefix', 'stai')}_{name}".upper()
    lines = [
        f"/* The '{name}' network as stai's validation firmware describes it (written by",
        " * stai from the generated folder; regenerate it with the folder). */",
        "#ifndef STAI_VALIDATION_NET_H",
        "#define STAI_VALIDATION_NET_H",
        "",
        f'#include "{HARNESS_HEADER}"',
        '#include "stai_validation.h"',
        "",
        f"#define STAI_VALIDATION_NAME {_c_string(name)}",
        "#if defined(STAI_OBSERVER)",
    ]
    if meta.get("observer"):
        lines.append(f"#define STAI_VALIDATION_NODE_NUM {up}_NODE_NUM")
    else:
        lines.append(
            f"#error \"'{name}' was generated without --observer: build without STAI_OBSERVER\""
        )
    lines += ["#else", "#define STAI_VALIDATION_NODE_NUM 0", "#endif", ""]
    for role in ("input", "output"):
        infos = meta.get(f"{role}s", [])
        count = "NET_IN_NUM" if role == "input" else "NET_OUT_NUM"
        lines.append(f"static const stai_validation_tensor stai_validation_{role}s[{count}] = {{")
        lines += [_tensor(info) for info in infos]
        lines += ["};", ""]
    lines += ["#endif /* STAI_VALIDATION_NET_H */", ""]
    return "\n".join(lines)


def write_validation_headers(folder: str | Path, dest: str | Path | None = None) -> list[Path]:
    """Write ``stai_harness_net.h`` and ``stai_validation_net.h`` for the generated
    ``folder`` into ``dest`` (default: the folder itself); returns their paths."""
    folder = Path(folder)
    meta = read_meta(folder)
    text = validation_header(meta)
    out = Path(dest) if dest is not None else folder
    out.mkdir(parents=True, exist_ok=True)
    harness, described = out / HARNESS_HEADER, out / VALIDATION_HEADER
    harness.write_text(harness_header(str(meta["name"]), meta))
    described.write_text(text)
    return [harness, described]


def main(argv: list[str] | None = None) -> int:
    """``python -m stai.boards.validation_glue FOLDER [DEST]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m stai.boards.validation_glue FOLDER [DEST]", file=sys.stderr)
        return 2
    try:
        paths = write_validation_headers(args[0], args[1] if len(args) == 2 else None)
    except StaiError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
