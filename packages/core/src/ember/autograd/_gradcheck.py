"""Numerical gradient checks: autograd's Jacobians against central finite differences.

Both Jacobians are laid out as PyTorch prints them: one row per input element, one
column per output element. Use float64 inputs: float32 rounding alone breaks the check.
A complex element counts as two real ones, its real and imaginary parts (rows 2k and
2k + 1, and so for columns): a complex input is perturbed along 1 and along 1j, and a
complex output is seeded with 1 (its real part) and with 1j (its imaginary part).
"""

from __future__ import annotations

import itertools
import warnings

from .. import _dtype, _random
from .._autograd._api import grad
from .._autograd._grad_mode import enable_grad, no_grad
from .._creation import zeros
from ..ops.complex import view_as_real


class GradcheckError(RuntimeError):
    """A gradient computed by autograd differs from its finite-difference estimate."""


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _is_tensor(value) -> bool:
    return hasattr(value, "_data") and hasattr(value, "grad_fn")


def _outputs(func, inputs: tuple) -> tuple:
    return tuple(o for o in _as_tuple(func(*inputs)) if _is_tensor(o))


def _wanted(inputs: tuple) -> list:
    """Positions of the inputs gradcheck differentiates with respect to."""
    return [i for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]


def _host(tensor):
    """A float64 copy on the CPU, flattened (a complex one as real, imaginary, real, ...): an output that is
    a view of an input would change otherwise."""
    if tensor.dtype.is_complex:
        return view_as_real(tensor.detach().to("cpu", _dtype.complex128)).reshape(-1).clone()
    return tensor.detach().to("cpu", _dtype.float64).reshape(-1).clone()


def _units(tensor) -> tuple:
    """The directions of one element: 1, and 1j too for a complex tensor."""
    return (1, 1j) if tensor.dtype.is_complex else (1,)


def _real_size(tensor) -> int:
    return tensor.numel() * len(_units(tensor))


def _numerical(func, inputs: tuple, wanted: list, eps: float) -> dict:
    """{(output j, input i): Jacobian block} by central differences, one element at a time."""
    blocks: dict = {}
    with no_grad():
        sizes = [_real_size(o) for o in _outputs(func, inputs)]
        for i in wanted:
            x = inputs[i]
            units = _units(x)
            columns = [zeros((_real_size(x), n), dtype=_dtype.float64) for n in sizes]
            for element, index in enumerate(itertools.product(*map(range, x.shape))):
                original = x[index].item()
                for k, unit in enumerate(units):
                    x[index] = original + eps * unit
                    plus = [_host(o) for o in _outputs(func, inputs)]
                    x[index] = original - eps * unit
                    minus = [_host(o) for o in _outputs(func, inputs)]
                    x[index] = original
                    for block, p, m in zip(columns, plus, minus):
                        block[element * len(units) + k] = (p - m) / (2 * eps)
            for j, block in enumerate(columns):
                blocks[j, i] = block
    return blocks


def _analytical(func, inputs: tuple, wanted: list) -> dict:
    """{(output j, input i): Jacobian block} from one vector-Jacobian product per output element."""
    outputs = _outputs(func, inputs)
    differentiable = [inputs[i] for i in wanted]
    blocks = {
        (j, i): zeros((_real_size(inputs[i]), _real_size(o)), dtype=_dtype.float64)
        for j, o in enumerate(outputs)
        for i in wanted
    }
    for j, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        units = _units(output)
        for element in range(output.numel()):
            for k, unit in enumerate(units):
                seed = output.new_zeros(output.shape)
                with no_grad():
                    seed.reshape(-1)[element] = unit
                grads = grad(output, differentiable, seed, retain_graph=True, allow_unused=True)
                for i, g in zip(wanted, grads):
                    if g is not None:
                        blocks[j, i][:, element * len(units) + k] = _host(g)
    return blocks


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **ignored,
) -> bool:
    """True when autograd's gradients of func at inputs match finite differences.

    Give float64 inputs with requires_grad=True. A mismatch raises GradcheckError
    naming the output and input (or returns False with raise_exception=False).
    """
    inputs = _as_tuple(inputs)
    wanted = _wanted(inputs)
    if not wanted:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have "
            "requires_grad=True. Call requires_grad_() on the inputs to check."
        )
    for i in wanted:
        if inputs[i].dtype.name not in ("float64", "complex128"):
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point ({inputs[i].dtype}). "
                "This check will likely fail if all the inputs are not of double precision floating point.",
                UserWarning,
                stacklevel=2,
            )
    numerical = _numerical(func, inputs, wanted, eps)
    analytical = _analytical(func, inputs, wanted)
    for (j, i), expected in numerical.items():
        actual = analytical[j, i]
        if not actual.allclose(expected, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{expected!r}\nanalytical:{actual!r}\n"
                )
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
    **ignored,
) -> bool:
    """Check second derivatives: gradcheck of the vector-Jacobian product (outputs, grad_outputs)."""
    inputs = _as_tuple(inputs)
    with enable_grad():
        outputs = [o for o in _outputs(func, inputs) if o.requires_grad]
    if grad_outputs is None:
        grad_outputs = tuple(
            _random.randn(o.shape, dtype=o.dtype, device=o.device, requires_grad=True) for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    count = len(inputs)

    def first_derivative(*args):
        values, weights = args[:count], args[count:]
        with enable_grad():
            outs = [o for o in _outputs(func, values) if o.requires_grad]
            used = [values[i] for i in _wanted(values)]
            grads = grad(outs, used, list(weights), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
