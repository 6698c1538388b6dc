"""Adafactor and Muon: steps against NumPy re-implementations, state dicts, argument errors."""

import ember
import numpy as np
import pytest
from ember import optim

RNG = np.random.default_rng(0)
MATRIX = RNG.standard_normal((3, 4))
VECTOR = RNG.standard_normal(5)
GRADS = [(RNG.standard_normal((3, 4)), RNG.standard_normal(5)) for _ in range(4)]


def run(opt_class, weights, grads, dtype=ember.float64, **options):
    params = [ember.tensor(w.copy(), dtype=dtype, requires_grad=True) for w in weights]
    opt = opt_class(params, **options)
    trajectory = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ember.tensor(g, dtype=dtype)
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory, opt, params


def adafactor_reference(weights, grads, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0):
    eps1 = np.finfo(np.float64).eps if eps[0] is None else eps[0]
    params = [w.copy() for w in weights]
    second = [None] * len(params)
    trajectory = []
    for t, step_grads in enumerate(grads, 1):
        weight = t**beta2_decay
        for i, g in enumerate(step_grads):
            p = params[i]
            alpha = max(eps[1], np.sqrt(np.mean(p**2))) * min(lr, t**-0.5)
            p = p * (1 - lr * weight_decay)
            if g.ndim > 1:
                row, col = (g**2).mean(axis=1, keepdims=True), (g**2).mean(axis=0, keepdims=True)
                if second[i] is None:
                    second[i] = (0 * row, 0 * col)
                r, c = second[i]
                r, c = r + weight * (row - r), c + weight * (col - c)
                second[i] = (r, c)
                estimate = r @ c / max(r.mean(), eps1)
            else:
                v = 0 * g if second[i] is None else second[i]
                second[i] = estimate = v + weight * (g * g - v)
            update = g / np.sqrt(np.maximum(estimate, eps1**2))
            clip = max(1.0, np.sqrt(np.mean(update**2)) / d)
            params[i] = p - alpha / clip * update
        trajectory.append([p.copy() for p in params])
    return trajectory


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.1, "weight_decay": 0.05}, {"eps": (1e-3, 0.5), "d": 1.5, "beta2_decay": -0.3}],
)
def test_adafactor_matches_numpy(options):
    trajectory, opt, params = run(optim.Adafactor, [MATRIX, VECTOR], GRADS, **options)
    for step, (ours, reference) in enumerate(zip(trajectory, adafactor_reference([MATRIX, VECTOR], GRADS, **options))):
        for a, b in zip(ours, reference):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")
    matrix_state, vector_state = opt.state[params[0]], opt.state[params[1]]
    assert list(matrix_state) == ["step", "row_var", "col_var"] and list(vector_state) == ["step", "variance"]
    assert matrix_state["row_var"].shape == (3, 1) and matrix_state["col_var"].shape == (1, 4)
    assert float(matrix_state["step"]) == len(GRADS) and matrix_state["step"].dtype is ember.float32


def test_adafactor_maximize_is_descent_on_the_negated_gradient():
    flipped = [(-a, -b) for a, b in GRADS]
    ours, _, _ = run(optim.Adafactor, [MATRIX, VECTOR], GRADS, maximize=True)
    reference, _, _ = run(optim.Adafactor, [MATRIX, VECTOR], flipped)
    np.testing.assert_array_equal(ours[-1][0], reference[-1][0])


def test_adafactor_state_dict_round_trip():
    _, opt, params = run(optim.Adafactor, [MATRIX, VECTOR], GRADS[:2], weight_decay=0.01)
    saved = opt.state_dict()
    assert saved["param_groups"][0] == {
        "lr": 1e-2,
        "beta2_decay": -0.8,
        "eps": (None, 1e-3),
        "d": 1.0,
        "weight_decay": 0.01,
        "foreach": None,
        "maximize": False,
        "params": [0, 1],
    }
    twin = [p.detach().clone().requires_grad_() for p in params]
    resumed = optim.Adafactor(twin, weight_decay=0.01)
    resumed.load_state_dict(saved)
    for opt_, ps in ((opt, params), (resumed, twin)):
        for p, g in zip(ps, GRADS[2]):
            p.grad = ember.tensor(g, dtype=ember.float64)
        opt_.step()
    for a, b in zip(params, twin):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
        ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
        ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
        ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
        ({"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
    ],
)
def test_adafactor_argument_errors(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        optim.Adafactor([ember.zeros(2, requires_grad=True)], **options)


def to_bfloat16(x):
    """Round to 8 significant bits, ties to even (an independent check of the optimizer's bit trick)."""
    mantissa, exponent = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.round(mantissa * 256) / 256, exponent).astype(np.float32)


def newton_schulz_reference(g, coefficients=(3.4445, -4.7750, 2.0315), steps=5, eps=1e-7):
    a, b, c = coefficients
    x = to_bfloat16(g)
    wide = x.shape[0] > x.shape[1]
    if wide:
        x = x.T
    x = to_bfloat16(x / max(to_bfloat16(np.sqrt(np.sum(x * x))), to_bfloat16(eps)))
    for _ in range(steps):
        gram = to_bfloat16(x @ x.T)
        x = to_bfloat16(a * x + to_bfloat16(b * gram + c * (gram @ gram)) @ x)
    return x.T if wide else x


def test_bfloat16_rounding_matches_an_independent_rounding():
    values = np.concatenate([RNG.standard_normal(10000), [1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8), 0.0]])
    values = values.astype(np.float32)
    np.testing.assert_array_equal(optim.muon._bfloat16(np, values), to_bfloat16(values))


def muon_reference(weight, grads, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, scale=None):
    w, buf, trajectory = weight.copy(), 0 * weight, []
    rows, cols = weight.shape
    adjusted = lr * (np.sqrt(max(1, rows / cols)) if scale is None else 0.2 * np.sqrt(max(rows, cols)))
    for g in grads:
        buf = buf + (1 - momentum) * (g - buf)
        update = g + momentum * (buf - g) if nesterov else buf
        w = w * (1 - lr * weight_decay) - adjusted * newton_schulz_reference(update).astype(np.float64)
        trajectory.append(w.copy())
    return trajectory


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.02, "nesterov": False, "weight_decay": 0.0}, {"momentum": 0.5, "adjust_lr_fn": "match_rms_adamw"}],
)
@pytest.mark.parametrize("shape", [(3, 4), (6, 2)])
def test_muon_matches_numpy(options, shape):
    weight = RNG.standard_normal(shape)
    grads = [RNG.standard_normal(shape) for _ in range(3)]
    trajectory, opt, params = run(optim.Muon, [weight], [(g,) for g in grads], **options)
    reference_options = {k: v for k, v in options.items() if k != "adjust_lr_fn"}
    scale = options.get("adjust_lr_fn")
    for step, (ours, reference) in enumerate(
        zip(trajectory, muon_reference(weight, grads, scale=scale, **reference_options))
    ):
        np.testing.assert_allclose(ours[0], reference, rtol=1e-12, atol=1e-12, err_msg=f"step {step + 1}")
    assert list(opt.state[params[0]]) == ["momentum_buffer"]


def test_muon_orthogonalizes():
    update = optim.muon._orthogonalize(
        np, RNG.standard_normal((4, 16)).astype(np.float32), (3.4445, -4.7750, 2.0315), 5, 1e-7
    )
    singular_values = np.linalg.svd(update.astype(np.float64), compute_uv=False)
    assert np.all((singular_values > 0.5) & (singular_values < 1.5))


def test_muon_state_dict_round_trip():
    weight = RNG.standard_normal((3, 4))
    _, opt, params = run(optim.Muon, [weight], [(g,) for g, _ in GRADS[:2]])
    saved = opt.state_dict()
    assert saved["param_groups"][0]["ns_coefficients"] == (3.4445, -4.7750, 2.0315)
    assert {k: v for k, v in saved["param_groups"][0].items() if k != "ns_coefficients"} == {
        "lr": 1e-3,
        "weight_decay": 0.1,
        "momentum": 0.95,
        "nesterov": True,
        "eps": 1e-7,
        "ns_steps": 5,
        "adjust_lr_fn": None,
        "params": [0],
    }
    twin = [params[0].detach().clone().requires_grad_()]
    resumed = optim.Muon(twin)
    resumed.load_state_dict(saved)
    for opt_, p in ((opt, params[0]), (resumed, twin[0])):
        p.grad = ember.tensor(GRADS[2][0], dtype=ember.float64)
        opt_.step()
    np.testing.assert_array_equal(params[0].detach().numpy(), twin[0].detach().numpy())


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"momentum": -0.1}, "momentum should be >= 0 but is: -0.1"),
        ({"weight_decay": -0.1}, "weight decay should be >= 0 but is: -0.1"),
        ({"adjust_lr_fn": "sqrt"}, "Adjust learning rate function sqrt is not supported"),
    ],
)
def test_muon_argument_errors(options, message):
    with pytest.raises(ValueError, match=message):
        optim.Muon([ember.zeros(2, 2, requires_grad=True)], **options)


def test_muon_refuses_non_matrices():
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters .* size: ember.Size\(\[2, 2, 2\]\)"):
        optim.Muon([ember.zeros(2, 2, 2, requires_grad=True)])
    with pytest.raises(ValueError, match="Number of steps must be less than 100"):
        w = ember.zeros(2, 2, requires_grad=True)
        w.grad = ember.ones(2, 2)
        optim.Muon([w], ns_steps=100).step()


@pytest.mark.parametrize("opt_class", [optim.Adafactor, optim.Muon])
def test_tensor_lr(opt_class):
    weight = RNG.standard_normal((3, 4))
    grads = [(g,) for g, _ in GRADS[:2]]
    as_float, _, _ = run(opt_class, [weight], grads, lr=0.25)
    as_tensor, _, _ = run(opt_class, [weight], grads, lr=ember.tensor(0.25, dtype=ember.float64))
    np.testing.assert_array_equal(as_tensor[-1][0], as_float[-1][0])
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        opt_class([ember.zeros(2, 2, requires_grad=True)], lr=ember.tensor([0.1, 0.2]))
