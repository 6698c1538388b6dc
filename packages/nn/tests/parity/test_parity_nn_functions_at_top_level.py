"""ember.conv2d, ember.batch_norm, ember.kl_div, ...: torch's top-level nn functions against torch==2.13,
with torch's own (ATen) signatures; values and gradients."""

import ember
import numpy as np
import pytest

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
X1, X2, X3 = (R.normal(size=(2, 3, 8)) for _ in range(3))
W1, W2 = R.normal(size=(4, 3, 3)), R.normal(size=(4, 3, 3, 3))
IMG, VEC = R.normal(size=(2, 3, 6, 6)), R.normal(size=(4, 5))
VOL = R.normal(size=(1, 2, 4, 4, 4))
P = R.uniform(0.1, 0.9, size=(4, 5))
SIGN = np.array([1.0, -1.0, 1.0, -1.0])
SHUFFLED, BILINEAR = R.normal(size=(1, 8, 2, 3)), R.normal(size=(2, 3, 2))
TARGETS, INPUT_LENGTHS, TARGET_LENGTHS = np.array([[1, 2], [2, 1]]), [8, 7], [2, 1]


def t64(module, array, grad=True):
    return module.tensor(array, dtype=module.float64, requires_grad=grad)


# (name, f(module, tensor factory) -> output); every float tensor that f makes requires grad
CASES = [
    ("conv1d", lambda m, t: m.conv1d(t(X1), t(W1), None, 1, 1)),
    ("conv2d", lambda m, t: m.conv2d(t(IMG), t(W2), t(VEC[0, :4]), 2, 1)),
    ("conv3d", lambda m, t: m.conv3d(t(VOL), t(VOL[0, :, :2, :2, :2][None].repeat(3, 0)))),
    ("conv_transpose1d", lambda m, t: m.conv_transpose1d(t(X1), t(W1[:3]), None, 2)),
    ("conv_transpose2d", lambda m, t: m.conv_transpose2d(t(IMG), t(W2[:3]), None, 1, 1)),
    ("conv_transpose3d", lambda m, t: m.conv_transpose3d(t(VOL), t(VOL[0, :, :2, :2, :2][:, None]))),
    ("conv_tbc", lambda m, t: m.conv_tbc(t(X1.transpose(2, 0, 1)), t(W1.transpose(2, 1, 0)), t(VEC[0, :4]), 1)),
    ("layer_norm", lambda m, t: m.layer_norm(t(X1), [8], t(X2[0, 0]), t(X3[0, 0]), 1e-5, True)),
    ("group_norm", lambda m, t: m.group_norm(t(IMG), 3, t(VEC[0, :3]), t(VEC[1, :3]), 1e-5, True)),
    ("rms_norm", lambda m, t: m.rms_norm(t(X1), [8], t(X2[0, 0]), 1e-6)),
    ("batch_norm", lambda m, t: m.batch_norm(t(X1), t(VEC[0, :3]), t(VEC[1, :3]), None, None, True, 0.1, 1e-5, True)),
    (
        "batch_norm_eval",
        lambda m, t: m.batch_norm(
            t(X1), t(VEC[0, :3]), None, t(VEC[2, :3] * 0.1, False), t(P[0, :3], False), False, 0.1, 1e-5, True
        ),
    ),  # fmt: skip
    (
        "instance_norm",
        lambda m, t: m.instance_norm(t(X1), t(VEC[0, :3]), t(VEC[1, :3]), None, None, True, 0.1, 1e-5, True),
    ),  # fmt: skip
    ("embedding", lambda m, t: m.embedding(t(VEC), m.tensor([[0, 3], [2, 2]]), 2)),
    ("pixel_shuffle", lambda m, t: m.pixel_shuffle(t(SHUFFLED), 2)),
    ("pixel_unshuffle", lambda m, t: m.pixel_unshuffle(t(IMG), 2)),
    ("channel_shuffle", lambda m, t: m.channel_shuffle(t(SHUFFLED[:, :6]), 3)),
    ("cosine_similarity", lambda m, t: m.cosine_similarity(t(X1), t(X2), 1, 1e-8)),
    ("pairwise_distance", lambda m, t: m.pairwise_distance(t(VEC), t(P), 3.0, 1e-6, True)),
    ("pdist", lambda m, t: m.pdist(t(VEC), 2.0)),
    ("bilinear", lambda m, t: m.bilinear(t(VEC[:, :3]), t(P[:, :2]), t(BILINEAR), t(VEC[0, :2]))),
    ("celu", lambda m, t: m.celu(t(X1), 0.7)),
    ("selu", lambda m, t: m.selu(t(X1))),
    ("rrelu_eval", lambda m, t: m.rrelu(t(X1), 0.1, 0.3, False)),
    ("threshold", lambda m, t: m.threshold(t(X1), 0.2, -1.0)),
    ("max_pool1d", lambda m, t: m.max_pool1d(t(X1), 3, 2, 1)),
    ("max_pool1d_with_indices", lambda m, t: m.max_pool1d_with_indices(t(X1), 2)[0]),
    ("max_pool2d", lambda m, t: m.max_pool2d(t(IMG), 2, 2, 0, 1, True)),
    ("max_pool3d", lambda m, t: m.max_pool3d(t(VOL), 2)),
    ("avg_pool1d", lambda m, t: m.avg_pool1d(t(X1), 3, 2, 1, False, False)),
    ("adaptive_avg_pool1d", lambda m, t: m.adaptive_avg_pool1d(t(X1), 3)),
    ("adaptive_max_pool1d", lambda m, t: m.adaptive_max_pool1d(t(X1), 3)[0]),
    ("dropout_eval", lambda m, t: m.dropout(t(X1), 0.4, False)),
    ("kl_div", lambda m, t: m.kl_div(t(VEC), t(P))),
    ("kl_div_log_target", lambda m, t: m.kl_div(t(VEC), t(np.log(P)), 2, log_target=True)),
    (
        "binary_cross_entropy_with_logits",
        lambda m, t: m.binary_cross_entropy_with_logits(t(VEC), t(P), t(P[0], False), t(P[1], False), 2),
    ),  # fmt: skip
    ("margin_ranking_loss", lambda m, t: m.margin_ranking_loss(t(VEC[:, 0]), t(VEC[:, 1]), t(SIGN, False), 0.3, 0)),
    ("hinge_embedding_loss", lambda m, t: m.hinge_embedding_loss(t(VEC[:, 0]), t(SIGN, False))),
    ("cosine_embedding_loss", lambda m, t: m.cosine_embedding_loss(t(VEC), t(P), t(SIGN, False), 0.1, 2)),
    (
        "triplet_margin_loss",
        lambda m, t: m.triplet_margin_loss(t(VEC), t(P), t(VEC[::-1].copy()), 1.0, 2.0, 1e-6, True, 1),
    ),  # fmt: skip
    ("poisson_nll_loss", lambda m, t: m.poisson_nll_loss(t(VEC), t(P * 3), True, True, 1e-8, 1)),
    (
        "ctc_loss",
        lambda m, t: m.ctc_loss(
            t(np.log(np.abs(X1.transpose(2, 0, 1)) / 3)).log_softmax(2),
            m.tensor(TARGETS),
            INPUT_LENGTHS,
            TARGET_LENGTHS,
            0,
            1,
            False,
        ),
    ),  # fmt: skip
]


def _run(module, function):
    made = []

    def factory(array, grad=True):
        tensor = t64(module, np.ascontiguousarray(array), grad)
        if grad:
            made.append(tensor)
        return tensor

    out = function(module, factory)
    upstream = module.tensor(np.random.default_rng(1).normal(size=tuple(out.shape)), dtype=module.float64)
    (out * upstream).sum().backward()
    return out.detach().numpy(), [tensor.grad.numpy() for tensor in made]


@pytest.mark.parametrize(("name", "function"), CASES, ids=[case[0] for case in CASES])
def test_values_and_gradients_match_torch(name, function):
    (t_out, t_grads), (e_out, e_grads) = _run(torch, function), _run(ember, function)
    np.testing.assert_allclose(e_out, t_out, rtol=1e-7, atol=1e-9)
    for e, t in zip(e_grads, t_grads, strict=True):
        np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-9)


def test_running_statistics_follow_torch():
    stats = []
    for module in (torch, ember):
        mean, var = module.zeros(3, dtype=module.float64), module.ones(3, dtype=module.float64)
        module.batch_norm(t64(module, X1, False), None, None, mean, var, True, 0.2, 1e-5, True)
        stats.append((mean.numpy(), var.numpy()))
    np.testing.assert_allclose(stats[1][0], stats[0][0], rtol=1e-12)
    np.testing.assert_allclose(stats[1][1], stats[0][1], rtol=1e-12)


def test_indices_and_training_dropout_follow_torch():
    t_values, t_indices = torch.adaptive_max_pool1d(t64(torch, X1, False), 3)
    e_values, e_indices = ember.adaptive_max_pool1d(t64(ember, X1, False), 3)
    assert e_indices.tolist() == t_indices.tolist()
    assert ember.max_pool1d_with_indices(t64(ember, X1), 2)[1].tolist() == torch.max_pool1d_with_indices(t64(torch, X1), 2)[1].tolist()  # fmt: skip
    for name in ("dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"):
        for module in (torch, ember):
            x = module.ones(40, 6, 5, dtype=module.float64)
            assert getattr(module, name)(x, 0.3, False) is x or getattr(module, name)(x, 0.3, False).equal(x)
            y = getattr(module, name + "_")(x.clone(), 0.3, True)
            levels = np.unique(y.numpy())
            assert len(levels) == 2
            if name.startswith("feature"):
                assert (y.numpy() == y.numpy()[:, :, :1]).all()
