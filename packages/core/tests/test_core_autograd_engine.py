"""The backward engine: graph structure, accumulation, grad(), higher order, hooks, grad modes.

Expected values come from calculus worked out with NumPy, never from ember itself.
"""

import gc
import re
import time
import warnings

import ember
import numpy as np
import pytest
from ember.autograd.graph import AccumulateGrad, Node


def leaf(values, dtype=ember.float64):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


def close(t, expected, atol=1e-10):
    np.testing.assert_allclose(t.detach().numpy(), np.asarray(expected, dtype=np.float64), rtol=1e-7, atol=atol)


# --- graph structure -----------------------------------------------------------------


def test_leaf_flags_and_grad_fn_names():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert not y.is_leaf and y.requires_grad
    assert ember.tensor([1.0]).is_leaf
    names = {
        "add": x + x,
        "mul": x * x,
        "mean": x.mean(),
        "sum": x.sum(),
        "pow": x**2,
    }
    assert {k: type(v.grad_fn).__name__ for k, v in names.items()} == {
        "add": "AddBackward0",
        "mul": "MulBackward0",
        "mean": "MeanBackward0",
        "sum": "SumBackward0",
        "pow": "PowBackward0",
    }
    assert y.grad_fn.name() == "MulBackward0"
    assert isinstance(y.grad_fn, Node)


def test_next_functions_link_to_accumulators_and_none():
    x = leaf([1.0, 2.0])
    c = ember.tensor([3.0, 4.0], dtype=ember.float64)
    y = x * c
    (first, nr0), (second, nr1) = y.grad_fn.next_functions
    assert isinstance(first, AccumulateGrad) and first.variable is x
    assert (nr0, second, nr1) == (0, None, 0)
    z = (y + x).sum()
    add = z.grad_fn.next_functions[0][0]
    assert add.next_functions[0][0] is y.grad_fn
    assert add.next_functions[1][0] is first  # one accumulator per leaf
    assert (x * x).grad_fn.next_functions[0][0] is (x * x).grad_fn.next_functions[1][0]


def test_a_leaf_keeps_one_accumulator_for_life_without_a_reference_cycle():
    x = leaf([1.0, 2.0])
    first = (x * 2).grad_fn.next_functions[0][0]
    gc.collect()
    assert (x * 3).grad_fn.next_functions[0][0] is first  # the first graph is gone; the accumulator stays
    gc.disable()
    try:
        dropped = leaf([1.0, 2.0])
        y = (dropped * 2).sum()
        accumulator = y.grad_fn.next_functions[0][0].next_functions[0][0]
        assert accumulator.variable is dropped
        del dropped  # freed by reference counting alone: no cycle through the accumulator
        assert accumulator.variable is None
        y.backward()  # its gradient has nowhere to go and is dropped
    finally:
        gc.enable()


def test_node_repr_looks_like_pytorch():
    y = leaf([1.0]) * 2
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(y.grad_fn.next_functions[0][0]))
    assert str(y.grad_fn) == repr(y.grad_fn)


def test_node_exposes_saved_values_like_pytorch():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * w
    assert y.grad_fn._saved_self is x and y.grad_fn._saved_other is w
    e = x.exp()
    close(e.grad_fn._saved_result, np.exp([1.0, 2.0]))
    with pytest.raises(AttributeError):
        _ = y.grad_fn._saved_nothing


def test_node_can_be_called_directly():
    x = leaf([1.0, 2.0])
    y = x * 3
    (gx, gother) = y.grad_fn(ember.ones(2, dtype=ember.float64))
    close(gx, [3.0, 3.0])
    assert gother is None


def test_node_metadata_is_a_dict_per_node():
    y = leaf([1.0]) * 2
    y.grad_fn.metadata["tag"] = 1
    assert y.grad_fn.metadata == {"tag": 1}
    assert (y * 2).grad_fn.metadata == {}


# --- backward basics -------------------------------------------------------------------


def test_backward_computes_chain_rule():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    close(x.grad, 6 * (np.array([[1.0, 2.0], [3.0, 4.0]]) + 2) / 4)
    assert out.grad_fn is not None and x.grad.requires_grad is False


def test_gradients_accumulate_across_calls_and_reset_with_none():
    x = leaf([1.0, 2.0])
    for _ in range(3):
        (x * x).sum().backward()
    close(x.grad, 3 * 2 * np.array([1.0, 2.0]))
    held = x.grad
    (x * x).sum().backward()
    assert x.grad is held  # accumulated in place, as PyTorch does
    x.grad = None
    (x * 5).sum().backward()
    close(x.grad, [5.0, 5.0])


def test_vector_jacobian_product_with_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.backward(ember.tensor([1.0, 0.1, 0.01], dtype=ember.float64))
    close(x.grad, [2.0, 0.2, 0.02])


def test_backward_on_a_leaf_and_scalar_gradient_value():
    a = leaf([2.0])
    a.backward(ember.tensor([3.0], dtype=ember.float64))
    close(a.grad, [3.0])
    b = leaf(2.0)
    (b * 4).backward(ember.tensor(0.5, dtype=ember.float64))
    close(b.grad, 2.0)


def test_diamond_graph_visits_each_node_once():
    x = leaf([1.0, -2.0])
    shared = x.exp()
    calls = []
    shared.grad_fn.register_prehook(lambda grads: calls.append(grads[0].detach().numpy().copy()))
    out = (shared * 2 + shared * 3).sum()
    out.backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 5.0])
    close(x.grad, 5 * np.exp([1.0, -2.0]))


def test_broadcasting_gradients_sum_back_to_input_shape():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = leaf([10.0, 20.0, 30.0])
    s = leaf(2.0)
    ((x + b) * s).sum().backward()
    close(b.grad, [4.0, 4.0, 4.0])
    close(s.grad, np.sum(np.array([[1, 2, 3], [4, 5, 6]]) + np.array([10, 20, 30])))
    assert b.grad.shape == ember.Size([3]) and s.grad.shape == ember.Size([])


def test_gradient_keeps_the_leaf_dtype():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    d = ember.tensor([1.0, 2.0], dtype=ember.float64)
    (x * d).sum().backward()
    assert x.grad.dtype is ember.float32
    close(x.grad, [1.0, 2.0])


def test_retain_graph_allows_a_second_backward():
    a = leaf(2.0)
    y = (a * a).exp()
    y.backward(retain_graph=True)
    y.backward()
    close(a.grad, 2 * 2 * 2.0 * np.exp(4.0))


def test_backward_through_ops_that_save_nothing_twice_is_allowed():
    a = leaf(2.0)
    y = a + a
    y.backward()
    y.backward()
    close(a.grad, 4.0)


def test_multiple_roots_with_gradients():
    a = leaf(2.0)
    b = leaf(3.0)
    ember.autograd.backward(
        [a * b, a + b], [ember.tensor(1.0, dtype=ember.float64), ember.tensor(2.0, dtype=ember.float64)]
    )
    close(a.grad, 3.0 + 2.0)
    close(b.grad, 2.0 + 2.0)


def test_backward_with_inputs_accumulates_only_there():
    a = leaf(2.0)
    b = leaf(3.0)
    h = a * b
    h.retain_grad()
    (h * h).backward(inputs=[a])
    close(a.grad, 2 * 6.0 * 3.0)
    assert b.grad is None
    c = a * b
    (c * 2).backward(inputs=[c])
    close(c.grad, 2.0)


def test_long_chain_backward_is_iterative_and_fast():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    gc.disable()  # NOTE: only to keep the suite fast: Python's GC rescans the growing graph while it is built
    try:
        for _ in range(100_000):
            y = y * 1.0
    finally:
        gc.enable()
    start = time.perf_counter()
    y.sum().backward()
    elapsed = time.perf_counter() - start
    close(x.grad, [1.0])
    assert elapsed < 20  # generous for a loaded 2-core machine; it takes about a second; no RecursionError


# --- autograd.grad -----------------------------------------------------------------------


def test_grad_returns_without_touching_dot_grad():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    (gx, gw) = ember.autograd.grad((x * w).sum(), [x, w])
    close(gx, [3.0, 4.0])
    close(gw, [1.0, 2.0])
    assert x.grad is None and w.grad is None
    (only,) = ember.autograd.grad((x * 2).sum(), x)
    close(only, [2.0, 2.0])


def test_grad_allow_unused_and_materialize():
    w = leaf(2.0)
    other = leaf(1.0)
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used in the graph"):
        ember.autograd.grad(w * 2, [w, other])
    gw, go = ember.autograd.grad(w * 2, [w, other], allow_unused=True)
    close(gw, 2.0)
    assert go is None
    gw, go = ember.autograd.grad(w * 2, [w, other], materialize_grads=True)
    close(go, 0.0)


def test_grad_with_respect_to_an_intermediate_and_an_upstream_leaf():
    a = leaf([2.0])
    h = a * 3
    z = (h * h).sum()
    gh, ga = ember.autograd.grad(z, [h, a])
    close(gh, [12.0])
    close(ga, [36.0])


def test_grad_only_runs_the_part_of_the_graph_it_needs():
    a = leaf([2.0])
    b = leaf([1.0])
    ran = []
    side = b.exp()
    side.grad_fn.register_prehook(lambda g: ran.append("side"))
    total = (a * 2 + side).sum()
    (ga,) = ember.autograd.grad(total, a)
    close(ga, [2.0])
    assert ran == []


def test_grad_outputs_weigh_each_output():
    a = leaf([2.0, 3.0])
    (g,) = ember.autograd.grad(a * a, a, ember.tensor([1.0, 10.0], dtype=ember.float64))
    close(g, [4.0, 60.0])


# --- higher order -------------------------------------------------------------------------


def test_third_derivative_of_cube():
    x = leaf(2.0)
    (g1,) = ember.autograd.grad(x**3, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x, create_graph=True)
    (g3,) = ember.autograd.grad(g2, x)
    close(g1, 12.0)
    close(g2, 12.0)
    close(g3, 6.0)
    assert g1.requires_grad and g1.grad_fn is not None and not g3.requires_grad


def test_second_derivative_of_tanh():
    x = leaf(0.5)
    (g1,) = ember.autograd.grad(x.tanh(), x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x)
    t = np.tanh(0.5)
    close(g1, 1 - t**2)
    close(g2, -2 * t * (1 - t**2))


def test_hessian_vector_product():
    x = leaf([1.0, 2.0, 3.0])
    f = (x**3).sum() + x[0] * x[1]
    (g,) = ember.autograd.grad(f, x, create_graph=True)
    v = ember.tensor([1.0, 0.5, 0.25], dtype=ember.float64)
    (hv,) = ember.autograd.grad(g, x, v)
    hessian = np.diag(6 * np.array([1.0, 2.0, 3.0])) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    close(hv, hessian @ np.array([1.0, 0.5, 0.25]))


def _mlp_numpy(w1, w2, inp):
    hidden = np.tanh(inp @ w1.T)
    out = hidden @ w2.T
    loss = (out**2).mean()
    n = out.size
    d_out = 2 * out / n
    d_hidden = d_out @ w2
    d_inp = (d_hidden * (1 - hidden**2)) @ w1
    return loss, d_inp


def test_input_gradient_of_a_small_mlp_and_its_penalty_gradient():
    w1 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])
    w2 = np.array([[0.7, -0.8, 0.9]])
    inp = np.array([[1.0, 2.0], [-1.0, 0.5]])
    W1, W2, X = leaf(w1), leaf(w2), leaf(inp)
    loss = ((X @ W1.t()).tanh() @ W2.t()).pow(2).mean()
    (gx,) = ember.autograd.grad(loss, X, create_graph=True)
    expected_loss, expected_gx = _mlp_numpy(w1, w2, inp)
    close(loss, expected_loss)
    close(gx, expected_gx)
    penalty = gx.pow(2).sum()
    penalty.backward()
    eps = 1e-6
    numeric = np.zeros_like(w2)
    for j in range(w2.shape[1]):
        plus, minus = w2.copy(), w2.copy()
        plus[0, j] += eps
        minus[0, j] -= eps
        numeric[0, j] = ((_mlp_numpy(w1, plus, inp)[1] ** 2).sum() - (_mlp_numpy(w1, minus, inp)[1] ** 2).sum()) / (
            2 * eps
        )
    np.testing.assert_allclose(W2.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)


def test_backward_with_create_graph_gives_differentiable_grad():
    x = leaf(3.0)
    with pytest.warns(UserWarning, match="reference cycle"):
        (x**3).backward(create_graph=True)
    close(x.grad, 27.0)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.backward()
    close(x.grad, 18.0)


# --- hooks and retain_grad ---------------------------------------------------------------------


def test_leaf_hook_replaces_gradient_and_can_be_removed():
    x = leaf([1.0, 2.0])
    handle = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    close(x.grad, [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    close(x.grad, [3.0, 3.0])


def test_non_leaf_hook_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], [4.0, 8.0])
    close(x.grad, 2 * (2 * np.array([2.0, 4.0]) + 1))


def test_retain_grad_stores_non_leaf_grad_after_all_hooks():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 0)
    (y * y).sum().backward()
    close(y.grad, [0.0, 0.0])
    close(x.grad, [0.0, 0.0])
    assert y.retains_grad and not x.retains_grad


def test_retain_grad_accumulates_and_works_with_autograd_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    z.backward()
    close(y.grad, [6.0, 6.0])
    y2 = x * 2
    y2.retain_grad()
    ember.autograd.grad((y2 * 3).sum(), x)
    close(y2.grad, [3.0, 3.0])


def test_hooks_run_for_autograd_grad_too():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (g,) = ember.autograd.grad((x * 3).sum(), x)
    close(g, [30.0, 30.0])
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (gy,) = ember.autograd.grad((y * 3).sum(), y)
    close(gy, [30.0, 30.0])


def test_node_hooks_see_inputs_and_outputs_and_may_replace():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = {}
    y.grad_fn.register_prehook(lambda go: seen.update(pre=go[0].detach().numpy().copy()))

    def post(grad_inputs, grad_outputs):
        seen["post"] = (grad_inputs[0].detach().numpy().copy(), grad_inputs[1])
        return (grad_inputs[0] * 100, grad_inputs[1])

    y.grad_fn.register_hook(post)
    y.sum().backward()
    np.testing.assert_allclose(seen["pre"], [1.0, 1.0])
    np.testing.assert_allclose(seen["post"][0], [2.0, 2.0])
    assert seen["post"][1] is None
    close(x.grad, [200.0, 200.0])


def test_post_accumulate_grad_hook_sees_the_updated_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (x * 4).sum().backward()
    np.testing.assert_allclose(seen[0], [4.0, 4.0])


def test_hook_handle_is_a_context_manager():
    x = leaf([1.0])
    with x.register_hook(lambda g: g * 2):
        (x * 1).sum().backward()
    (x * 1).sum().backward()
    close(x.grad, [3.0])


# --- detach, data, requires_grad_ ---------------------------------------------------------------


def test_detach_shares_data_and_version_but_no_history():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    with ember.no_grad():
        x.add_(1)
    close(d, [2.0, 3.0])
    assert d._version is x._version


def test_detach_in_place_cuts_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad
    close(y, [2.0, 4.0])


def test_data_is_a_detached_view_and_assignable():
    x = leaf([1.0, 2.0])
    assert not x.data.requires_grad
    x.data.mul_(3)
    close(x, [3.0, 6.0])
    x.data = ember.tensor([7.0, 8.0], dtype=ember.float64)
    close(x, [7.0, 8.0])
    assert x.requires_grad


def test_requires_grad_toggles_on_leaves_and_is_a_no_op_true_on_non_leaves():
    a = ember.tensor([1.0, 2.0])
    assert a.requires_grad_() is a and a.requires_grad
    a.requires_grad_(False)
    assert not a.requires_grad
    y = leaf([1.0]) * 2
    assert y.requires_grad_() is y


def test_non_leaf_grad_access_warns():
    y = leaf([1.0]) * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None


# --- grad modes -----------------------------------------------------------------------------------


def test_no_grad_block_and_decorators():
    x = leaf([1.0])
    with ember.no_grad():
        y = x * 2
        assert not ember.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def called():
        return (x * 2).requires_grad

    @ember.no_grad
    def bare():
        return ember.is_grad_enabled()

    assert called() is False and bare() is False and ember.is_grad_enabled()


def test_no_grad_decorates_generators():
    x = leaf([1.0])

    @ember.no_grad()
    def gen():
        yield (x * 2).requires_grad
        yield ember.is_grad_enabled()

    assert list(gen()) == [False, False]


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with ember.no_grad():
        with ember.enable_grad():
            assert (x * 2).requires_grad

        @ember.enable_grad()
        def inner():
            return ember.is_grad_enabled()

        assert inner() is True
        assert not ember.is_grad_enabled()


def test_set_grad_enabled_as_function_context_and_decorator():
    x = leaf([1.0])
    ember.set_grad_enabled(False)
    try:
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def off():
        return ember.is_grad_enabled()

    assert ember.is_grad_enabled() and off() is False and ember.is_grad_enabled()
    assert repr(ember.set_grad_enabled(True)) == "ember.autograd.grad_mode.set_grad_enabled(mode=True)"


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


def test_inference_mode():
    x = leaf([1.0])
    with ember.inference_mode():
        y = x * 2
        assert ember.is_inference_mode_enabled() and not ember.is_grad_enabled()
    assert not y.requires_grad
    assert not ember.is_inference_mode_enabled()
    with ember.no_grad():
        assert not ember.is_inference_mode_enabled()
        with ember.inference_mode(False):
            assert ember.is_grad_enabled()

    @ember.inference_mode
    def bare():
        return ember.is_inference_mode_enabled()

    @ember.inference_mode()
    def called():
        return ember.is_inference_mode_enabled()

    assert bare() and called()


# --- anomaly detection ---------------------------------------------------------------------------


def test_detect_anomaly_names_the_node_and_the_forward_line():
    y = leaf([0.0])
    with pytest.warns(UserWarning) as record:
        with ember.autograd.detect_anomaly():
            assert ember.is_anomaly_enabled()
            z = y.sqrt()  # forward line the warning must show
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output"):
                (z * 0).sum().backward()
    messages = [str(w.message) for w in record]
    assert any("Anomaly Detection has been enabled" in m for m in messages)
    failure = next(m for m in messages if m.startswith("Error detected in SqrtBackward0"))
    assert "z = y.sqrt()" in failure
    assert not ember.is_anomaly_enabled()


def test_set_detect_anomaly_as_function_and_without_nan_check():
    ember.autograd.set_detect_anomaly(True)
    try:
        assert ember.is_anomaly_enabled()
    finally:
        ember.autograd.set_detect_anomaly(False)
    assert not ember.is_anomaly_enabled()
    y = leaf([0.0])
    with ember.autograd.set_detect_anomaly(True, check_nan=False):
        (y.sqrt() * 0).sum().backward()
    assert np.isnan(y.grad.numpy()[0])


def test_without_anomaly_mode_nan_flows_silently():
    y = leaf([0.0])
    (y.sqrt() * 0).sum().backward()
    assert np.isnan(y.grad.numpy()[0])


def test_gradients_are_complete_whatever_order_the_branches_were_made_in():
    x = leaf([0.5, -1.0])
    first = x * 3  # made before the second branch: it must still run after it
    second = x.exp()
    (first + second).sum().backward()
    close(x.grad, 3 + np.exp([0.5, -1.0]))
    y = leaf([0.5, -1.0])
    shared = y * y
    late = shared.sin()
    (late * shared + shared.exp() + late).sum().backward()
    s = np.array([0.25, 1.0])
    close(y.grad, (np.cos(s) * s + np.sin(s) + np.exp(s) + np.cos(s)) * 2 * np.array([0.5, -1.0]))


def test_a_leaf_whose_data_changes_shape_gets_gradients_of_the_new_shape():
    p = leaf([[1.0, 2.0, 3.0]])
    (p * 2).sum().backward()
    p.data = ember.ones(2, 2, dtype=ember.float64)
    p.grad = None
    (p * 3).sum().backward()
    close(p.grad, np.full((2, 2), 3.0))
    with ember.no_grad():
        p.data = ember.ones(2, 3, dtype=ember.float64)
        p.t_()
    p.grad = None
    (p * p).sum().backward()
    assert p.grad.shape == (3, 2)
    close(p.grad, np.full((3, 2), 2.0))


def test_a_leaf_with_a_post_accumulate_hook_takes_its_gradient_as_soon_as_it_is_complete():
    # What a data-parallel reducer relies on: the last layer's parameters are done while the
    # backward pass still runs through the first layer.
    w1, w2 = leaf(2.0), leaf(3.0)
    events = []
    w2.register_post_accumulate_grad_hook(lambda t: events.append(("w2", t.grad.item())))
    w1.register_post_accumulate_grad_hook(lambda t: events.append(("w1", t.grad.item())))
    x = ember.tensor(5.0)
    h = x * w1
    h.register_hook(lambda g: events.append(("h", g.item())))
    (h * w2 + w2 * w2).backward()
    assert events == [("w2", 5.0 * 2.0 + 2 * 3.0), ("h", 3.0), ("w1", 5.0 * 3.0)]


# --- gradient buffers a leaf keeps without a copy ---------------------------------------------


def test_a_gradient_handed_on_unchanged_is_kept_by_one_leaf_and_copied_for_the_other():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    ((a + b) * 2).sum().backward()  # add hands its incoming gradient to both leaves unchanged
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(1)
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0, 2.0])


def test_a_leaf_finished_early_cannot_change_a_gradient_another_node_still_reads():
    a = ember.ones(3, requires_grad=True)
    c = ember.ones(3, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda leaf: leaf.grad.mul_(10))
    ((a + c * 3) * 2).sum().backward()  # add's gradient goes to a (finished at once) and on to mul
    np.testing.assert_array_equal(a.grad.numpy(), [20.0, 20.0, 20.0])
    np.testing.assert_array_equal(c.grad.numpy(), [6.0, 6.0, 6.0])


def test_a_user_given_gradient_is_never_kept_as_a_leafs_grad():
    a = ember.ones(3, requires_grad=True)
    seed = ember.full((3,), 2.0)
    (a + 0).backward(seed)
    assert not np.shares_memory(a.grad.numpy(), seed.numpy())


@pytest.mark.parametrize("create_graph", [False, True])
def test_user_code_in_backward_sees_grad_mode_of_the_pass(create_graph):
    """Hooks and custom Functions run with grad mode on only in a pass that records (as in PyTorch)."""
    seen = {}

    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            seen["function"] = ember.is_grad_enabled()
            return g * 2

    def noting(name):
        def hook(*args):
            seen[name] = ember.is_grad_enabled()

        return hook

    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    x.register_hook(noting("leaf hook"))
    w.register_post_accumulate_grad_hook(noting("post-accumulate hook"))
    y = Double.apply(x) * w
    y.register_hook(noting("tensor hook"))
    y.sum().backward(create_graph=create_graph)
    assert seen == dict.fromkeys(["tensor hook", "function", "leaf hook", "post-accumulate hook"], create_graph)
    assert ember.is_grad_enabled()
