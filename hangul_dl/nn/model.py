"""The ``Model`` base: named parameters, explicit weight tying, device moves, save/load.

A model holds layers as attributes (``self.embed = Embedding(W)``) or in a ``self.layers``
list, plus an optional ``self.loss_layer``. Parameters are found by walking those attributes, and
named by them: ``embed.W``, ``lstm.Wx``, ``layers.0.b``. ``model.params`` / ``model.grads`` are
the very same array objects as the layers' (so an optimizer updating them updates the layers),
each shared array listed once.

Weight tying is explicit (book ch.6 shares the embedding with the output layer)::

    self.tie("affine.W", "embed.W", transpose=True)

The follower's parameter becomes a view of the owner's array, so an in-place update of the owner
is seen by both; ``model.params`` lists the owner once, and :meth:`Model.accumulate_tied_grads`
(called at the end of :meth:`Model.backward`) adds the follower's gradient into the owner's, once.

Saved models are a directory with ``manifest.json`` (class name, constructor config) and
``weights.npz`` (arrays by dotted name). No pickle. :meth:`Model.load` checks before it
allocates: the array headers of ``weights.npz`` are read without their data, every size in the
config must be backed by them (:meth:`Model.check_config`), and the built model's parameter
shapes must equal the headers' before a byte of data is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from .. import registry
from ..backend import get_array_module, is_gpu_array, to_cpu, to_gpu
from ..errors import FormatError, ShapeError
from ..io import (
    MANIFEST,
    array_headers,
    atomic_directory,
    check_shapes,
    load_arrays,
    read_manifest,
    save_arrays,
    write_manifest,
)
from ..stage import build_from_manifest, constructor_params, loading, saved_class, saved_name
from .layers import Layer

__all__ = ["Model", "map_arrays", "model_class"]

M = TypeVar("M", bound="Model")
WEIGHTS = "weights.npz"


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or is_gpu_array(x)


def map_arrays(root: Any, fn: Callable[[Any], Any]) -> None:
    """Replace every array reachable from ``root`` (a Model or Layer) by ``fn(array)``, in place.

    Walks attributes, lists, tuples-in-lists and dicts of layers and models. The same array object
    found in several places is converted once and the one result put everywhere, so layers that
    share parameters (and composite layers listing their children's) still share after a move.
    """
    # The memo keeps each original alive: if one were freed during the walk, a new array could
    # reuse its id() and wrongly receive its converted copy (two parameters becoming one).
    memo: dict[int, tuple[Any, Any]] = {}
    seen: set[int] = set()

    def convert(x: Any) -> Any:
        key = id(x)
        if key not in memo:
            memo[key] = (x, fn(x))
        return memo[key][1]

    def visit(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for name, value in vars(obj).items():
            setattr(obj, name, walk(value))

    def walk(value: Any) -> Any:
        if _is_array(value):
            return convert(value)
        if isinstance(value, (Layer, Model)):
            visit(value)
        elif isinstance(value, list):
            value[:] = [walk(v) for v in value]
        elif isinstance(value, dict):
            for k in list(value):
                value[k] = walk(value[k])
        return value

    visit(root)


@dataclass
class _Tie:
    follower: str
    owner: str
    transpose: bool


def model_class(name: str) -> type[Model]:
    """The model class a manifest calls ``name`` (``registry.lookup(name, Model)``)."""
    return registry.lookup(name, Model)


class Model:
    """Base class of trainable models (see the module docstring)."""

    #: Attribute names not scanned for layers (caches, configs).
    _skip_attributes: ClassVar[tuple[str, ...]] = ()
    #: Config keys that are no size (:meth:`check_config` leaves them alone).
    config_free: ClassVar[tuple[str, ...]] = ("seed",)
    #: Config keys that count repeated layers: at most the number of arrays in the weights.
    config_counts: ClassVar[tuple[str, ...]] = ("num_layers",)
    #: Config integers up to this are never refused by :meth:`check_config`.
    SMALL: ClassVar[int] = 1024

    # -- structure -------------------------------------------------------------------------
    def _layer_items(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """(dotted name, layer) for every layer attribute; named attributes before ``layers``."""
        items = sorted(vars(self).items(), key=lambda kv: kv[0] == "layers")
        for name, value in items:
            if name.startswith("_") or name in self._skip_attributes:
                continue
            if isinstance(value, Layer):
                yield prefix + name, value
            elif isinstance(value, Model):
                yield from value._layer_items(f"{prefix}{name}.")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Layer):
                        yield f"{prefix}{name}.{i}", item
                    elif isinstance(item, Model):
                        yield from item._layer_items(f"{prefix}{name}.{i}.")

    def _param_slots(self) -> Iterator[tuple[str, Layer, int]]:
        for layer_name, layer in self._layer_items():
            names = layer.param_names or tuple(str(i) for i in range(len(layer.params)))
            if len(names) != len(layer.params):
                raise ShapeError(f"{type(layer).__name__} at {layer_name!r} has "
                                 f"{len(layer.params)} params but {len(names)} param_names")
            for i, pname in enumerate(names):
                yield f"{layer_name}.{pname}", layer, i

    def named_params(self) -> Iterator[tuple[str, Any, Any]]:
        """(name, parameter, gradient) for each distinct parameter, tied followers left out."""
        followers = {tie.follower for tie in getattr(self, "_ties", ())}
        seen: set[int] = set()
        for name, layer, i in self._param_slots():
            param = layer.params[i]
            if id(param) in seen:
                continue
            seen.add(id(param))  # a follower reached under another name is skipped too
            if name not in followers:
                yield name, param, layer.grads[i]

    @property
    def params(self) -> list[Any]:
        """The distinct parameter arrays (the same objects the layers hold)."""
        return [p for _, p, _ in self.named_params()]

    @property
    def grads(self) -> list[Any]:
        """Gradients aligned with :attr:`params` (the same objects the layers hold)."""
        return [g for _, _, g in self.named_params()]

    def num_params(self) -> int:
        """Total number of scalar parameters (tied arrays counted once)."""
        return int(sum(p.size for p in self.params))

    def _slot(self, name: str) -> tuple[Layer, int]:
        for slot_name, layer, i in self._param_slots():
            if slot_name == name:
                return layer, i
        known = ", ".join(n for n, _, _ in self._param_slots())
        raise KeyError(f"no parameter named {name!r}; parameters: {known}")

    # -- weight tying -----------------------------------------------------------------------
    def tie(self, follower: str, owner: str, transpose: bool = False) -> None:
        """Make parameter ``follower`` share memory with ``owner`` (optionally transposed)."""
        owner_layer, j = self._slot(owner)
        follower_layer, i = self._slot(follower)
        source = owner_layer.params[j]
        view = source.T if transpose else source
        if view.shape != follower_layer.params[i].shape:
            raise ShapeError(f"cannot tie {follower!r} {follower_layer.params[i].shape} to "
                             f"{owner!r} {source.shape}{' transposed' if transpose else ''}")
        old = follower_layer.params[i]
        map_arrays(self, lambda a: view if a is old else a)
        if transpose:  # the follower's gradient in the owner's layout: a contiguous sum later
            old_grad = follower_layer.grads[i]
            grad = get_array_module(source).zeros_like(source).T
            map_arrays(self, lambda a: grad if a is old_grad else a)
        if not hasattr(self, "_ties"):
            self._ties: list[_Tie] = []
        self._ties.append(_Tie(follower, owner, transpose))

    def _retie(self) -> None:
        for tie in getattr(self, "_ties", ()):
            owner_layer, j = self._slot(tie.owner)
            follower_layer, i = self._slot(tie.follower)
            source = owner_layer.params[j]
            view = source.T if tie.transpose else source
            old = follower_layer.params[i]
            map_arrays(self, lambda a, old=old, view=view: view if a is old else a)

    def accumulate_tied_grads(self) -> None:
        """Add each tied follower's gradient into its owner's (call once after backward)."""
        for tie in getattr(self, "_ties", ()):
            owner_layer, j = self._slot(tie.owner)
            follower_layer, i = self._slot(tie.follower)
            g = follower_layer.grads[i]
            owner_layer.grads[j] += g.T if tie.transpose else g

    # -- default sequential forward/backward (book ch.1 TwoLayerNet) -------------------------
    def predict(self, x: Any) -> Any:
        """Run ``self.layers`` in order (no loss)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward(self, x: Any, t: Any) -> Any:
        """Loss of ``predict(x)`` against ``t`` through ``self.loss_layer``."""
        return self.loss_layer.forward(self.predict(x), t)

    def backward(self, dout: Any = 1) -> Any:
        """Backpropagate through the loss and ``self.layers``; then sum tied gradients."""
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        self.accumulate_tied_grads()
        return dout

    # -- modes and devices ------------------------------------------------------------------
    def _all_layers(self) -> Iterator[Layer]:
        stack: list[Any] = [self]
        seen: set[int] = set()
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, Layer):
                yield obj
            for value in vars(obj).values():
                if isinstance(value, (Layer, Model)):
                    stack.append(value)
                elif isinstance(value, (list, tuple)):
                    stack.extend(v for v in value if isinstance(v, (Layer, Model)))

    def train(self: M, mode: bool = True) -> M:
        """Training mode (dropout on); ``train(False)`` is :meth:`eval`."""
        for layer in self._all_layers():
            layer.training = mode
        return self

    def eval(self: M) -> M:
        """Evaluation mode (dropout off)."""
        return self.train(False)

    @property
    def device(self) -> str:
        """``"gpu"`` when the parameters are CuPy arrays, else ``"cpu"``."""
        params = self.params
        return "gpu" if params and is_gpu_array(params[0]) else "cpu"

    def _move(self: M, fn: Callable[[Any], Any]) -> M:
        map_arrays(self, fn)
        self._retie()
        return self

    def to_gpu(self: M) -> M:
        """Move every parameter, gradient and state array to the GPU (CuPy)."""
        return self._move(to_gpu)

    def to_cpu(self: M) -> M:
        """Move every array back to the CPU (NumPy)."""
        return self._move(to_cpu)

    def astype(self: M, dtype: Any) -> M:
        """Cast every floating-point array (e.g. to float64 for gradient checks)."""
        def cast(a: Any) -> Any:
            return a.astype(dtype) if a.dtype.kind == "f" else a
        return self._move(cast)

    # -- persistence -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (read from attributes of the same names), saved in the manifest."""
        return constructor_params(self)

    def state_dict(self) -> dict[str, Any]:
        """Parameters by dotted name (the arrays themselves, on their device)."""
        return {name: p for name, p, _ in self.named_params()}

    def load_state_dict(self, arrays: dict[str, Any], source: str = "state dict") -> None:
        """Copy arrays into the parameters in place; names and shapes must match exactly."""
        own = self.state_dict()
        missing = sorted(set(own) - set(arrays))
        unexpected = sorted(set(arrays) - set(own))
        if missing or unexpected:
            raise FormatError(f"{source}: parameters do not match {type(self).__name__}: "
                              f"missing {missing or 'none'}, unexpected {unexpected or 'none'}")
        for name, param in own.items():
            value = arrays[name]
            if tuple(value.shape) != tuple(param.shape):
                raise FormatError(f"{source}: {name!r} has shape {tuple(value.shape)}, the model "
                                  f"expects {tuple(param.shape)}; was it saved with another config?")
            xp = get_array_module(param)
            param[...] = xp.asarray(value, dtype=param.dtype)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``manifest.json`` + ``weights.npz`` (+ ``_save_extra`` files), atomically."""
        with atomic_directory(directory) as tmp:
            write_manifest(tmp, kind=saved_name(type(self)), config=self.get_config())
            save_arrays(tmp / WEIGHTS, self.state_dict())
            self._save_extra(tmp)
        return Path(directory)

    @classmethod
    def load(cls: type[M], directory: str | os.PathLike) -> M:
        """Rebuild a model saved by :meth:`save` (on the CPU).

        In this order, so that a forged folder costs neither memory nor time: the manifest and
        the folder are checked, the array headers of ``weights.npz`` are read (no data), the
        config's sizes are checked against them (:meth:`check_config`), the model is built, its
        parameter shapes are compared with the headers, and only then is the data read.
        """
        directory = Path(directory)
        manifest = read_manifest(directory)
        klass = saved_class(manifest, cls, directory)
        path = directory / WEIGHTS
        headers = array_headers(path)
        klass.check_config(manifest["config"], headers, f"{directory / MANIFEST}")
        model = build_from_manifest(directory, cls, manifest)
        expected = {name: tuple(p.shape) for name, p in model.state_dict().items()}
        check_shapes(headers, expected, str(path))
        model.load_state_dict(load_arrays(path), source=str(path))
        with loading(directory):
            model._load_extra(directory)
        return model

    @classmethod
    def check_config(cls, config: dict[str, Any],
                     headers: dict[str, tuple[tuple[int, ...], Any]], where: str) -> None:
        """Refuse, before anything is built, a config whose sizes the saved weights cannot back.

        ``headers`` are the weights' ``{name: (shape, dtype)}``. Every integer in the config
        (and the length of every list) must be at most the largest dimension of any array —
        each size of a model is a dimension of one of its parameters — or at most
        :attr:`SMALL` (too small to cost anything, e.g. ``sample_size``), and the keys in
        :attr:`config_counts` (``num_layers``) at most the number of arrays; keys in
        :attr:`config_free` (``seed``) are skipped. So a manifest claiming ``vocab_size``
        10,000,000 over 37-row weights, or ``num_layers`` 10**6, is refused in microseconds;
        what passes is then built and its parameter shapes compared with the headers exactly.
        Subclasses with sizes of another kind may extend it.
        """
        largest = max((d for shape, _ in headers.values() for d in shape), default=0)
        for key, value in config.items():
            if key in cls.config_free:
                continue
            if isinstance(value, (list, tuple)):
                size, what = len(value), f"has {len(value):,} entries"
            elif isinstance(value, int) and not isinstance(value, bool):
                size, what = value, f"= {value:,}"
            else:
                continue
            counts = key in cls.config_counts
            bound = len(headers) if counts else max(largest, cls.SMALL)
            if size > bound:
                backing = (f"weights.npz holds {len(headers)} arrays" if counts else
                           f"the largest array dimension in weights.npz is {largest:,}")
                raise FormatError(f"{where}: config {key!r} {what}, but {backing}; the manifest "
                                  "does not belong to these weights (damaged or forged)")

    def _save_extra(self, directory: Path) -> None:
        """Hook: write extra files (vocabulary, tokenizer settings) beside the weights."""

    def _load_extra(self, directory: Path) -> None:
        """Hook: read what :meth:`_save_extra` wrote."""

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({config})  # {self.num_params():,} parameters"
