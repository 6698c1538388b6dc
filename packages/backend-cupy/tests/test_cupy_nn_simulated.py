"""ember.nn / ember.optim / ember.utils.data on the simulated GPU: models move, optimizers follow, batches pin."""

import ember
import numpy as np
import pytest

nn = pytest.importorskip("ember.nn")
optim = pytest.importorskip("ember.optim")
data = pytest.importorskip("ember.utils.data")

needs_layers = pytest.mark.skipif(
    not (hasattr(nn, "Module") and hasattr(nn, "Linear")),
    reason="ember.nn.Module / ember.nn.Linear are not in packages/nn yet",
)


# --- optimizers on CUDA tensors ---------------------------------------------------------------


def _fit(device, make_optimizer, steps=5):
    """A few steps of least squares on raw tensors; the losses and the final weights."""
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.normal(size=(8, 3)), dtype=ember.float32, device=device)
    y = ember.tensor(rng.normal(size=(8, 1)), dtype=ember.float32, device=device)
    w = ember.tensor(rng.normal(size=(3, 1)), dtype=ember.float32, device=device, requires_grad=True)
    b = ember.zeros(1, device=device, requires_grad=True)
    optimizer = make_optimizer([w, b])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, w, b


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
        lambda params: optim.Adam(params, lr=0.05),
    ],
    ids=["SGD-momentum", "Adam"],
)
def test_optimizers_step_cuda_parameters_as_on_the_cpu(sim, make_optimizer):
    gpu_losses, w, b = _fit("cuda", make_optimizer)
    cpu_losses, w_cpu, b_cpu = _fit("cpu", make_optimizer)
    assert w.device == "cuda:0" and w.is_leaf and w.grad.device == "cuda:0"
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-6)
    np.testing.assert_allclose(w.detach().cpu().numpy(), w_cpu.detach().numpy(), rtol=1e-6)
    assert gpu_losses[-1] < gpu_losses[0]


# --- DataLoader(pin_memory=True) -------------------------------------------------------------------


def _loader(**options):
    dataset = data.TensorDataset(ember.arange(8.0).reshape(4, 2), ember.arange(4))
    return data.DataLoader(dataset, batch_size=2, **options)


def test_dataloader_pins_batches_with_cuda(sim):
    batches = list(_loader(pin_memory=True))
    assert len(batches) == 2
    for x, y in batches:
        assert x.is_pinned() and y.is_pinned() and x.device == "cpu"
        on_gpu = x.cuda(non_blocking=True)
        assert on_gpu.device == "cuda:0"
    np.testing.assert_array_equal(batches[1][0].numpy(), [[4.0, 5.0], [6.0, 7.0]])
    assert not any(x.is_pinned() for x, _ in _loader(pin_memory=False))


def test_dataloader_pin_memory_without_cuda_still_loads():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    batches = list(_loader(pin_memory=True))
    assert [y.tolist() for _, y in batches] == [[0, 1], [2, 3]]
    assert not batches[0][0].is_pinned()


# --- modules -----------------------------------------------------------------------------------------


def _scaled_model():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)
            self.register_buffer("scale", ember.tensor([2.0, 3.0]))

        def forward(self, x):
            return self.linear(x) * self.scale

    ember.manual_seed(0)
    return Scaled()


@needs_layers
def test_module_to_cuda_moves_parameters_and_buffers(sim):
    model = _scaled_model()
    parameters = list(model.parameters())
    assert model.to("cuda") is model
    assert [p for p in model.parameters()] == parameters, "the same Parameter objects, moved"
    for p in model.parameters():
        assert p.device == "cuda:0" and p.is_leaf and p.requires_grad
    assert model.scale.device == "cuda:0"
    assert all(t.device == "cuda:0" for t in model.state_dict().values())
    out = model(ember.ones(4, 3, device="cuda"))
    assert out.device == "cuda:0" and out.shape == (4, 2)
    model.cpu()
    assert all(p.device == "cpu" for p in model.parameters()) and model.scale.device == "cpu"


@needs_layers
def test_training_on_cuda_matches_the_cpu(sim):
    def train(device):
        model = _scaled_model().to(device)
        optimizer = optim.SGD(model.parameters(), lr=0.05)
        x = ember.linspace(-1, 1, 12, device=device).reshape(4, 3)
        target = ember.ones(4, 2, device=device)
        losses = []
        for _ in range(4):
            optimizer.zero_grad()
            loss = ((model(x) - target) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, model

    gpu_losses, gpu_model = train("cuda")
    cpu_losses, cpu_model = train("cpu")
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-6)
    for moved, stayed in zip(gpu_model.parameters(), cpu_model.parameters()):
        assert moved.device == "cuda:0" and moved.grad.device == "cuda:0"
        np.testing.assert_allclose(moved.detach().cpu().numpy(), stayed.detach().numpy(), rtol=1e-6)


@needs_layers
def test_optimizer_made_before_the_move_keeps_working(sim):
    model = _scaled_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model.cuda()
    before = model.linear.weight.detach().cpu().numpy().copy()
    model(ember.ones(2, 3, device="cuda")).sum().backward()
    optimizer.step()
    assert model.linear.weight.device == "cuda:0"
    assert not np.allclose(model.linear.weight.detach().cpu().numpy(), before)


@needs_layers
def test_state_dict_moves_between_devices(sim):
    source = _scaled_model()
    target = _scaled_model().cuda()
    with ember.no_grad():
        source.linear.weight.fill_(0.5)
    target.load_state_dict(source.state_dict())
    assert target.linear.weight.device == "cuda:0"
    np.testing.assert_array_equal(target.linear.weight.detach().cpu().numpy(), np.full((2, 3), 0.5))
