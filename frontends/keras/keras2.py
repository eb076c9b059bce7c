"""Reading files written by Keras 2 (tf.keras 2.x ``.h5``, ``.keras`` of ``tf_keras``).

Keras 3 reads both formats, but refuses some configuration keys that Keras 2 writes and
Keras 3 no longer takes: ``groups`` (always 1) on depthwise, separable and transposed
convolutions, the unused ``kernel_*`` settings of separable convolutions, ``time_major``
(always false) on recurrent layers, a one-element ``axis`` list on BatchNormalization, a
``batch_input_shape`` on a layer other than ``InputLayer``, and the ``tf_keras`` module
path of a ``.keras`` file's functional model. `translated_copy` writes a copy of such a
file with its stored configuration rewritten the way Keras 3 spells it (the weights are
copied untouched); a key whose value has no Keras 3 meaning (``time_major=true``,
``groups`` other than 1) is a `StaiError` naming the layer.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from stai.errors import StaiError, printable_name

_GROUPS_ONE = frozenset(
    {
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
    }
)
"""Layers whose Keras 2 config has ``groups`` (inherited from Conv, always 1) and whose
Keras 3 class does not take it."""

_SEPARABLE_UNUSED = ("kernel_initializer", "kernel_regularizer", "kernel_constraint")
"""Keras 2 separable convolutions store these Conv settings without using them."""

_RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "RNN"})

_FUNCTIONAL_MODULE = "keras.src.models.functional"

_MODELS = frozenset({"Functional", "Sequential", "Model"})


def _renumber_model_nodes(config: dict[str, Any]) -> None:
    """Keras 2 gives a model its own node 0 (the graph it was built from), so its first
    call is node 1; Keras 3 counts calls from 0. Lower the node index of every reference
    to a nested model among ``config``'s layers (inbound nodes, inputs and outputs)."""
    layers = config.get("layers")
    if not isinstance(layers, list):
        return
    models = {
        layer.get("name", layer.get("config", {}).get("name"))
        for layer in layers
        if isinstance(layer, dict) and layer.get("class_name") in _MODELS
    }
    if not models:
        return

    def renumber(ref: Any) -> None:
        if (
            isinstance(ref, list)
            and len(ref) >= 3
            and ref[0] in models
            and isinstance(ref[1], int)
            and ref[1] > 0
        ):
            ref[1] -= 1
        elif isinstance(ref, list):
            for item in ref:
                renumber(item)

    for layer in layers:
        if isinstance(layer, dict):
            renumber(layer.get("inbound_nodes"))
    renumber(config.get("input_layers"))
    renumber(config.get("output_layers"))


def keras2_version(path: Path) -> str | None:
    """The Keras 2 version that wrote ``path`` (``"2.13.1"``, ...), or None for another file.

    A ``.keras`` zip written by ``tf_keras`` without a version in its metadata reports
    ``"tf_keras"``."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "metadata.json" in names:
                    version = str(json.loads(archive.read("metadata.json")).get("keras_version"))
                    if version.startswith("2."):
                        return version
                if "config.json" in names:
                    module = json.loads(archive.read("config.json")).get("module")
                    if isinstance(module, str) and module.startswith("tf_keras"):
                        return "tf_keras"
            return None
        import h5py

        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version")
    except Exception:  # noqa: BLE001 - not a readable model file: Keras' own load says why
        return None
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    return version if isinstance(version, str) and version.startswith("2.") else None


def translate_config(config: Any) -> Any:
    """Rewrite, in place, the Keras 2 keys of every layer entry nested in ``config``."""
    if isinstance(config, dict):
        layer_config = config.get("config")
        class_name = config.get("class_name")
        if isinstance(class_name, str) and isinstance(layer_config, dict):
            _translate_layer(class_name, layer_config)
            module = config.get("module")
            if isinstance(module, str) and module.startswith("tf_keras"):
                if class_name == "Functional":
                    config["module"] = _FUNCTIONAL_MODULE
                else:
                    config["module"] = "keras" + module.removeprefix("tf_keras")
            if class_name in _MODELS:
                _renumber_model_nodes(layer_config)
        for value in config.values():
            translate_config(value)
    elif isinstance(config, list):
        for value in config:
            translate_config(value)
    return config


def _translate_layer(class_name: str, config: dict[str, Any]) -> None:
    name = printable_name(str(config.get("name", "?")))
    if class_name in _GROUPS_ONE and "groups" in config:
        groups = config.pop("groups")
        if groups not in (1, None):
            raise StaiError(f"layer '{name}' ({class_name}): Keras 2 groups={groups} is not 1")
    if class_name.startswith("SeparableConv"):
        for key in _SEPARABLE_UNUSED:
            config.pop(key, None)
    if class_name in _RECURRENT and "time_major" in config:
        if config.pop("time_major"):
            raise StaiError(f"layer '{name}' ({class_name}): time_major=True is not supported")
    if class_name == "BatchNormalization":
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            config["axis"] = axis[0]
    if class_name != "InputLayer" and "batch_input_shape" in config:
        shape = config.pop("batch_input_shape")
        if isinstance(shape, list) and shape:
            config.setdefault("input_shape", shape[1:])


def translated_copy(path: Path, folder: Path) -> Path:
    """A copy of the Keras 2 file ``path`` in ``folder`` with its configuration translated."""
    target = folder / f"model{path.suffix.lower() or '.h5'}"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "config.json":
                    data = json.dumps(translate_config(json.loads(data))).encode("utf-8")
                copy.writestr(info, data)
        return target
    import h5py

    shutil.copyfile(path, target)
    with h5py.File(target, "r+") as f:
        text = f.attrs.get("model_config")
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if isinstance(text, str):
            f.attrs["model_config"] = json.dumps(translate_config(json.loads(text)))
    return target
