"""Numerical gradient checks (central differences in float64), used by the test suite.

``check_layer(layer, *inputs)`` compares every analytic parameter and input gradient of one layer
with a numerical estimate and returns the relative errors by name; ``check_model`` does the same
for a whole model's loss, tied weights included. Relative error is
``||analytic - numeric|| / (||analytic|| + ||numeric||)``: below ~1e-6 in float64 is a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import get_array_module, to_cpu
from .layers import Layer
from .model import Model, map_arrays

__all__ = ["check_layer", "check_model", "numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[], float], x: Any, eps: float = 1e-6) -> np.ndarray:
    """d f() / d x by central differences, perturbing ``x`` in place element by element."""
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writes reach x
    if flat.base is None and flat is not x and x.size:
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place")
    for i in range(x.size):
        old = float(flat[i])
        flat[i] = old + eps
        plus = float(f())
        flat[i] = old - eps
        minus = float(f())
        flat[i] = old
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: Any, numeric: Any) -> float:
    """``||a - n|| / (||a|| + ||n||)``, 0 when both are zero."""
    a = np.asarray(to_cpu(analytic), dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


def _to_float64(x: Any) -> Any:
    return x.astype(np.float64) if hasattr(x, "dtype") and x.dtype.kind == "f" else x


def check_layer(layer: Layer, *inputs: Any, dout: Any = None, seed: int = 0,
                before_forward: Callable[[Layer], None] | None = None,
                eps: float = 1e-6) -> dict[str, float]:
    """Relative errors of the analytic gradients of ``layer`` at ``inputs``.

    The layer's arrays are cast to float64 in place (use a fresh layer). The scalar checked is
    ``sum(forward(*inputs) * dout)`` with a seeded random ``dout`` (one per output when forward
    returns a tuple, as the LSTM cell's ``(h, c)``; or the loss itself when the layer returns a
    scalar), and ``backward`` receives the ``dout`` arrays as positional arguments.
    ``before_forward(layer)`` runs before every forward, e.g. to reseed dropout or reset
    recurrent state. Keys: parameter names (``"W"``) and ``"input0"``, ...
    """
    map_arrays(layer, _to_float64)
    inputs = tuple(_to_float64(x) for x in inputs)
    xp = get_array_module(*layer.params, *[x for x in inputs if hasattr(x, "dtype")])

    def run() -> Any:
        if before_forward is not None:
            before_forward(layer)
        return layer.forward(*inputs)

    out = run()
    scalar = getattr(out, "ndim", None) == 0
    outs = out if isinstance(out, tuple) else (out,)
    if scalar:
        douts: tuple = (1.0,)
    elif dout is not None:
        douts = dout if isinstance(dout, tuple) else (dout,)
    else:
        gen = np.random.default_rng(seed)
        douts = tuple(xp.asarray(gen.standard_normal(o.shape)) for o in outs)

    def objective() -> float:
        result = run()
        if scalar:
            return float(result)
        results = result if isinstance(result, tuple) else (result,)
        return float(sum((r * d).sum() for r, d in zip(results, douts)))

    objective()
    back = layer.backward(*douts)
    analytic = {name: g.copy() for name, g in zip(_names(layer), layer.grads)}
    input_grads = back if isinstance(back, tuple) else (back,)
    float_inputs = [i for i, x in enumerate(inputs) if hasattr(x, "dtype") and x.dtype.kind == "f"]

    errors: dict[str, float] = {}
    for name, param in zip(_names(layer), layer.params):
        errors[name] = relative_error(analytic[name], numerical_gradient(objective, param, eps))
    for i, g in zip(float_inputs, input_grads):
        if g is not None:
            errors[f"input{i}"] = relative_error(g, numerical_gradient(objective, inputs[i], eps))
    return errors


def check_model(model: Model, *inputs: Any, eps: float = 1e-6,
                before_forward: Callable[[Model], None] | None = None) -> dict[str, float]:
    """Relative errors of ``model.grads`` against numerical gradients of ``model.forward(*inputs)``.

    The model is cast to float64 in place. Tied parameters are perturbed through their owner, so
    this also checks that tied gradients are accumulated exactly once.
    """
    model.astype(np.float64)
    inputs = tuple(_to_float64(x) for x in inputs)

    def objective() -> float:
        if before_forward is not None:
            before_forward(model)
        return float(model.forward(*inputs))

    objective()
    model.backward()
    named = list(model.named_params())
    analytic = {name: g.copy() for name, _, g in named}
    return {name: relative_error(analytic[name], numerical_gradient(objective, p, eps))
            for name, p, _ in named}


def _names(layer: Layer) -> list[str]:
    return list(layer.param_names) or [str(i) for i in range(len(layer.params))]
