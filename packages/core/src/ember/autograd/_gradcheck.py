"""Numerical gradient checks: autograd's Jacobian against central finite differences."""

from __future__ import annotations

import numpy as np

from ._grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _outputs(func, inputs: tuple) -> tuple:
    return tuple(o for o in _as_tuple(func(*inputs)) if hasattr(o, "_data"))


def _numerical_jacobians(func, inputs: tuple, eps: float) -> list:
    """For each differentiable input, a (numel_in, total_numel_out) matrix."""
    with no_grad():
        base = _outputs(func, inputs)
        total_out = sum(o.numel() for o in base)
        jacobians = []
        for tensor in inputs:
            if not (hasattr(tensor, "_data") and tensor.requires_grad):
                jacobians.append(None)
                continue
            flat = tensor._data.reshape(-1)
            columns = np.zeros((tensor.numel(), total_out))
            for i in range(tensor.numel()):
                original = flat[i].item()
                flat[i] = original + eps
                plus = np.concatenate([o._host().reshape(-1).astype(np.float64) for o in _outputs(func, inputs)])
                flat[i] = original - eps
                minus = np.concatenate([o._host().reshape(-1).astype(np.float64) for o in _outputs(func, inputs)])
                flat[i] = original
                columns[i] = (plus - minus) / (2 * eps)
            jacobians.append(columns)
    return jacobians


def _analytical_jacobians(func, inputs: tuple, create_graph: bool = False) -> list:
    from ._api import grad

    outputs = _outputs(func, inputs)
    differentiable = [t for t in inputs if hasattr(t, "_data") and t.requires_grad]
    total_out = sum(o.numel() for o in outputs)
    rows = {id(t): np.zeros((t.numel(), total_out)) for t in differentiable}
    column = 0
    for output in outputs:
        for j in range(output.numel()):
            if not output.requires_grad:
                column += 1
                continue
            seed = output.new_zeros(output.shape)
            seed._data.reshape(-1)[j] = 1
            grads = grad(output, differentiable, seed, retain_graph=True, allow_unused=True)
            for tensor, g in zip(differentiable, grads):
                if g is not None:
                    rows[id(tensor)][:, column] = g._host().reshape(-1)
            column += 1
    return [rows[id(t)] if hasattr(t, "_data") and t.requires_grad else None for t in inputs]


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **unused,
) -> bool:
    """True when autograd's gradients of func at inputs match finite differences.

    Use float64 inputs with requires_grad=True; a mismatch raises (or returns False).
    """
    inputs = _as_tuple(inputs)
    for t in inputs:
        if hasattr(t, "_data") and t.requires_grad and t.dtype.name != "float64":
            import warnings

            warnings.warn(
                f"gradcheck: input of dtype {t.dtype} is not float64; the check may fail from rounding alone.",
                UserWarning,
                stacklevel=2,
            )
    numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    for i, (num, ana) in enumerate(zip(numerical, analytical)):
        if num is None:
            continue
        if not np.allclose(ana, num, rtol=rtol, atol=atol):
            message = f"Jacobian mismatch for output 0 with respect to input {i},\nnumerical:{num}\nanalytical:{ana}\n"
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: the gradient of (outputs . v) checked like gradcheck."""
    from ._api import grad

    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        from .. import _random

        grad_outputs = tuple(_random.randn(o.shape, dtype=o.dtype, device=o.device) for o in outputs)
    differentiable = [t for t in inputs if hasattr(t, "_data") and t.requires_grad]

    def first_derivative(*args):
        outs = _outputs(func, args)
        used = [a for a in args if hasattr(a, "_data") and a.requires_grad]
        grads = grad(outs, used, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    _ = differentiable
    return gradcheck(first_derivative, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
