"""Write an ONNX model the frontend must reject: make_bad.py hardmax|dynamic OUT."""

import sys

import onnx
from onnx import TensorProto, helper

kind, out = sys.argv[1], sys.argv[2]
if kind == "hardmax":
    node = helper.make_node("Hardmax", ["x"], ["y"], name="my_hardmax")
    shape = [1, 3, 4, 4]
else:
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    shape = ["batch", 3, "height", 4]
graph = helper.make_graph(
    [node],
    "bad",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out)
