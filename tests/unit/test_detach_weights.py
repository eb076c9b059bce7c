"""``detach-weights``: the weights leave the C for ``NAME_weights.bin``, kept in the IR."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from stai.emitc.folder import write_folder
from stai.emitc.printer import binary_files, print_module
from stai.errors import StaiError
from stai.lowering.convert_buf_to_c import ConvertBufToCPass
from stai.transforms.detach_weights import (
    WEIGHTS_FORMAT_VERSION,
    WEIGHTS_MAGIC,
    DetachWeightsPass,
    parse_header,
)

SMALL = """
buf.const @w dense<[[1, -1, 2, -2], [3, -3, 4, -4]]> : memref<2x4xi8> {alignment = 4 : i64}
buf.const @b dense<[7, -7]> : memref<2xi32> {alignment = 4 : i64}
func.func @main() attributes {buf.inputs = ["x"], buf.outputs = ["y"]} {
  %a = buf.arena {size = 32 : i64, alignment = 16 : i64} : memref<32xi8>
  %x = buf.view %a[0] {role = "input", index = 0 : i64} : memref<32xi8> -> memref<1x4xi8>
  %w = buf.get_const @w : memref<2x4xi8>
  %b = buf.get_const @b : memref<2xi32>
  %y = buf.view %a[16] {role = "output", index = 0 : i64} : memref<32xi8> -> memref<1x2xi8>
  qnn.fully_connected ins(%x, %w, %b : memref<1x4xi8>, memref<2x4xi8>, memref<2xi32>) outs(%y : memref<1x2xi8>) {act = array<i32: -128, 127>, params = #qnn.fully_connected_s8<input_offset = 1, filter_offset = 0, output_offset = 0, multipliers = array<i32: 1073741824>, shifts = array<i32: 0>>}
  func.return
}
"""
BLOB = bytes([1, 255, 2, 254, 3, 253, 4, 252, 7, 0, 0, 0, 249, 255, 255, 255])
PARAMS = struct.pack("<6i", 1, 0, 0, -128, 127, 1073741824)  # offsets, clamp, multiplier
"""The fully connected's trained scalars, in the order of the call (the shift 0 last)."""


def _check_file(data: bytes) -> None:
    """A header, then the blob and the parameter table."""
    head = parse_header(data)
    payload = data[head.header_size :]
    assert head.magic == WEIGHTS_MAGIC and head.version == WEIGHTS_FORMAT_VERSION
    assert head.payload_size == len(payload) and head.crc32 == zlib.crc32(payload)
    assert payload == BLOB + PARAMS + struct.pack("<i", 0)


def _c_module(weights: str) -> ModuleOp:
    from stai.compiler.driver import make_context

    module = Parser(make_context(), SMALL).parse_module()
    ConvertBufToCPass(network="net", weights=weights).apply(make_context(), module)
    return module


def test_the_blob_becomes_a_binary_file_of_the_module(tmp_path: Path) -> None:
    from stai.compiler.driver import make_context

    module = _c_module("packed")
    DetachWeightsPass(network="net").apply(make_context(), module)
    module.verify()
    files = binary_files(module)
    assert list(files) == ["net_weights.bin"]
    _check_file(files["net_weights.bin"])
    texts = print_module(module)
    assert "net_weights.bin" not in texts
    assert (
        "int stai_net_init(const void *weights, size_t size, void *activations);" in texts["net.h"]
    )
    assert "249" not in texts["net_data.c"]
    assert "1073741824" not in texts["net.c"]  # the multiplier is read from the file
    folder = write_folder(module, tmp_path / "gen", "net")
    assert (folder / "net_weights.bin").read_bytes() == files["net_weights.bin"]


def test_split_weights_have_no_blob_to_detach() -> None:
    from stai.compiler.driver import make_context

    with pytest.raises(StaiError, match="needs the weights as one packed blob"):
        DetachWeightsPass(network="net").apply(make_context(), _c_module("split"))


def _prefixed_c_module(prefix: str) -> ModuleOp:
    from stai.compiler.driver import make_context

    module = Parser(make_context(), SMALL).parse_module()
    ConvertBufToCPass(network="net", weights="packed", prefix=prefix).apply(make_context(), module)
    return module


def test_a_prefix_detaches_the_blob_convert_buf_to_c_named() -> None:
    """With ``prefix=acme`` the blob is ``acme_net_weights``, bound by ``acme_net_init``
    and checked by ``acme_net_run``; the file keeps the network's name and bytes."""
    from stai.compiler.driver import make_context

    module = _prefixed_c_module("acme")
    DetachWeightsPass(network="net", prefix="acme").apply(make_context(), module)
    module.verify()
    _check_file(binary_files(module)["net_weights.bin"])
    texts = print_module(module)
    assert (
        "int acme_net_init(const void *weights, size_t size, void *activations);" in texts["net.h"]
    )
    assert "static const uint8_t *acme_net_weights = NULL;" in texts["net.c"]
    assert "if (acme_net_weights == NULL) {" in texts["net.c"]
    assert "#define ACME_NET_WEIGHTS_CRC32" in texts["net_data.h"]
    assert all("stai_net" not in t and "STAI_NET" not in t for t in texts.values())


def test_a_prefix_other_than_convert_buf_to_c_s_is_named() -> None:
    from stai.compiler.driver import make_context

    with pytest.raises(StaiError, match="net.c has no stai_net_init"):
        DetachWeightsPass(network="net").apply(make_context(), _prefixed_c_module("acme"))
    with pytest.raises(StaiError, match="net.c has no acme_net_init"):
        DetachWeightsPass(network="net", prefix="acme").apply(
            make_context(), _prefixed_c_module("stai")
        )
