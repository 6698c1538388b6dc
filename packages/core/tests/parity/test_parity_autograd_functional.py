"""autograd.functional parity: the same functions differentiated by torch and by ember give the same results."""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
V_OUT = (RNG.standard_normal(3), RNG.standard_normal(()))
V_IN = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))


def tensors(module, arrays, requires_grad=False):
    return tuple(module.tensor(a, dtype=module.float64, requires_grad=requires_grad) for a in arrays)


def one_to_one(m, x):
    return x.sin() * x.exp()


def two_to_two(m, x, y):
    return (y @ x).tanh().repeat(2)[:3] * x, (x**2).sum() * y.cos().sum()


def scalar_of_two(m, x, y):
    return (x**3).sum() * (y.sin() @ x).sum() + (y**2).sum()


def scalar_of_one(m, x):
    return (x.exp() * x).sum() + (x[0] * x[2]) ** 2


def structure(result):
    """Nesting and shapes of a result, to compare beside the values."""
    if isinstance(result, tuple):
        return tuple(structure(r) for r in result)
    return tuple(result.shape)


def flat(result) -> list:
    return [x for r in result for x in flat(r)] if isinstance(result, tuple) else [result]


def assert_same(theirs, ours):
    assert structure(theirs) == structure(ours)
    for a, b in zip(flat(theirs), flat(ours)):
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10, atol=1e-12)


CASES = {
    "jacobian one": lambda m, F: F.jacobian(lambda x: one_to_one(m, x), tensors(m, [X])[0]),
    "jacobian tuples": lambda m, F: F.jacobian(lambda x, y: two_to_two(m, x, y), tensors(m, [X, Y])),
    "jacobian tuple in, tensor out": lambda m, F: F.jacobian(lambda x, y: two_to_two(m, x, y)[0], tensors(m, [X, Y])),
    "jacobian vectorize": lambda m, F: F.jacobian(lambda x: one_to_one(m, x), tensors(m, [X])[0], vectorize=True),
    "hessian one": lambda m, F: F.hessian(lambda x: scalar_of_one(m, x), tensors(m, [X])[0]),
    "hessian tuples": lambda m, F: F.hessian(lambda x, y: scalar_of_two(m, x, y), tensors(m, [X, Y])),
    "vjp tuples": lambda m, F: F.vjp(lambda x, y: two_to_two(m, x, y), tensors(m, [X, Y]), tensors(m, V_OUT)),
    "vjp scalar": lambda m, F: F.vjp(lambda x, y: scalar_of_two(m, x, y), tensors(m, [X, Y])),
    "jvp one": lambda m, F: F.jvp(lambda x: one_to_one(m, x), tensors(m, [X])[0], tensors(m, [V_IN[0]])[0]),
    "jvp tuples": lambda m, F: F.jvp(lambda x, y: two_to_two(m, x, y), tensors(m, [X, Y]), tensors(m, V_IN)),
    "vhp tuples": lambda m, F: F.vhp(lambda x, y: scalar_of_two(m, x, y), tensors(m, [X, Y]), tensors(m, V_IN)),
    "hvp tuples": lambda m, F: F.hvp(lambda x, y: scalar_of_two(m, x, y), tensors(m, [X, Y]), tensors(m, V_IN)),
    "hvp one": lambda m, F: F.hvp(lambda x: scalar_of_one(m, x), tensors(m, [X])[0], tensors(m, [V_IN[0]])[0]),
}


@pytest.mark.parametrize("name", CASES)
def test_functional_results_match_torch(name):
    assert_same(CASES[name](torch, torch.autograd.functional), CASES[name](ember, ember.autograd.functional))


SECOND_ORDER = {
    "jacobian": lambda m, F, xs: F.jacobian(lambda x, y: two_to_two(m, x, y), xs, create_graph=True),
    "hessian": lambda m, F, xs: F.hessian(lambda x, y: scalar_of_two(m, x, y), xs, create_graph=True),
    "vjp": lambda m, F, xs: F.vjp(lambda x, y: two_to_two(m, x, y), xs, tensors(m, V_OUT), create_graph=True),
    "jvp": lambda m, F, xs: F.jvp(lambda x, y: two_to_two(m, x, y), xs, tensors(m, V_IN), create_graph=True),
    "vhp": lambda m, F, xs: F.vhp(lambda x, y: scalar_of_two(m, x, y), xs, tensors(m, V_IN), create_graph=True),
    "hvp": lambda m, F, xs: F.hvp(lambda x, y: scalar_of_two(m, x, y), xs, tensors(m, V_IN), create_graph=True),
}


def differentiated_again(module, name):
    """The result with create_graph=True, and the gradient of its total with respect to the inputs."""
    xs = tensors(module, [X, Y], requires_grad=True)
    result = SECOND_ORDER[name](module, module.autograd.functional, xs)
    total = sum(r.sum() for r in flat(result))
    return result, module.autograd.grad(total, xs, allow_unused=True, materialize_grads=True)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_create_graph_results_differentiate_like_torch(name):
    theirs, ours = differentiated_again(torch, name), differentiated_again(ember, name)
    assert_same(theirs[0], ours[0])
    assert_same(theirs[1], ours[1])


ERRORS = {
    "hessian of a vector": lambda m, F: F.hessian(lambda x: x * 2, tensors(m, [X])[0]),
    "vjp needs v": lambda m, F: F.vjp(lambda x: x * 2, tensors(m, [X])[0]),
    "jvp v size": lambda m, F: F.jvp(lambda x: x, tensors(m, [X])[0], tensors(m, [Y])[0]),
    "jvp v count": lambda m, F: F.jvp(lambda x, y: x, tensors(m, [X, Y]), tensors(m, [X])),
    "strict unused input": lambda m, F: F.jacobian(lambda x, y: x * 2, tensors(m, [X, Y]), strict=True),
    "strict linear hessian": lambda m, F: F.hessian(lambda x: (x * 2).sum(), tensors(m, [X])[0], strict=True),
    "strict vjp": lambda m, F: F.vjp(lambda x, y: (x * 2).sum(), tensors(m, [X, Y]), strict=True),
    "non-tensor input": lambda m, F: F.jacobian(lambda x: x, [1.0]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch_in_type(name):
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch, torch.autograd.functional)
    with pytest.raises(Exception) as ours:
        ERRORS[name](ember, ember.autograd.functional)
    assert type(ours.value) is type(theirs.value)
