"""nn.Module: registration, traversal, modes, hooks, conversion, state dicts and printing."""

import copy
import pickle
import warnings
from collections import OrderedDict

import ember
import ember.nn.functional as F
import numpy as np
import pytest
from ember import nn
from ember.testing.capabilities import missing_dtypes


class Net(nn.Module):
    """The lecture notes' 4-5-3 MLP."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 5)
        self.out = nn.Linear(5, 3)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        x = self.out(x)
        return x


MLP_REPR = """Net(
  (hidden): Linear(in_features=4, out_features=5, bias=True)
  (out): Linear(in_features=5, out_features=3, bias=True)
)"""


def test_mlp_prints_like_pytorch_and_runs():
    net = Net()
    assert repr(net) == MLP_REPR
    assert str(net) == MLP_REPR
    out = net(ember.randn(2, 4))
    assert out.shape == (2, 3)
    assert type(out.grad_fn).__name__ == "AddmmBackward0"


def test_nested_repr_indents_children_and_keeps_single_line_extra_repr():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Sequential(OrderedDict(pool=nn.MaxPool2d(2), flat=nn.Flatten())),
        nn.Linear(16, 2, bias=False),
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "    (flat): Flatten(start_dim=1, end_dim=-1)\n"
        "  )\n"
        "  (3): Linear(in_features=16, out_features=2, bias=False)\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"


def test_parameters_buffers_and_modules_are_registered_in_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert all(isinstance(p, nn.Parameter) and isinstance(p, ember.Tensor) for p in net.parameters())
    assert [name for name, _ in net.named_children()] == ["hidden", "out"]
    assert [name for name, _ in net.named_modules()] == ["", "hidden", "out"]
    assert list(net.children()) == [net.hidden, net.out]
    assert len(list(net.modules())) == 3
    assert sum(p.numel() for p in net.parameters()) == 4 * 5 + 5 + 5 * 3 + 3
    assert list(net.hidden.parameters(recurse=False)) == [net.hidden.weight, net.hidden.bias]
    assert list(net.parameters(recurse=False)) == []


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.named_modules())) == 3
    assert len(list(model.named_modules(remove_duplicate=False))) == 4


def test_register_buffer_persistent_flag_and_state_dict_keys():
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("kept", ember.zeros(2))
            self.register_buffer("scratch", ember.ones(2), persistent=False)
            self.weight = nn.Parameter(ember.ones(3))

    holder = Holder()
    assert [name for name, _ in holder.named_buffers()] == ["kept", "scratch"]
    assert list(holder.state_dict()) == ["weight", "kept"]
    holder.kept = ember.full((2,), 7.0)
    assert holder.state_dict()["kept"].tolist() == [7.0, 7.0]
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'kept'"):
        holder.kept = 3
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        holder.register_buffer("weight", ember.zeros(1))
    with pytest.raises(KeyError, match="buffer name can.*t contain"):
        holder.register_buffer("a.b", ember.zeros(1))


def test_buffer_class_registers_a_buffer():
    module = nn.Module()
    module.stats = nn.Buffer(ember.zeros(3), persistent=False)
    assert "stats" in dict(module.named_buffers())
    assert list(module.state_dict()) == []


def test_assigning_before_init_raises_pytorchs_error():
    class Early(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(ember.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()

    class EarlyModule(nn.Module):
        def __init__(self):
            self.child = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        EarlyModule()


def test_assignment_type_errors_and_attribute_errors():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' as parameter 'weight'"):
        lin.weight = ember.ones(2, 2)
    lin.bias = None
    assert lin.bias is None and "bias" in lin._parameters
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'hidden'"):
        net.hidden = 5
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        _ = net.missing
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("x", 3)
    with pytest.raises(ValueError, match="non-leaf Tensor"):
        lin.register_parameter("derived", _non_leaf_parameter())


def _non_leaf_parameter():
    """A Parameter with a history (only reachable by reclassing a computed tensor)."""
    computed = nn.Parameter(ember.ones(1)) * 2
    computed.__class__ = nn.Parameter
    return computed


def test_delete_and_reassign_change_registration():
    net = Net()
    del net.out
    assert [name for name, _ in net.named_children()] == ["hidden"]
    net.out = nn.Linear(5, 1)
    net.extra = nn.Parameter(ember.zeros(1))
    assert "extra" in dict(net.named_parameters())
    assert "extra" in dir(net) and "hidden" in dir(net)
    net.extra = nn.Parameter(ember.ones(2))
    assert net.extra.shape == (2,)


def test_attributes_follow_every_change_to_the_registries():
    layer = nn.Linear(2, 3)
    replacement = nn.Parameter(ember.zeros(3, 2))
    layer._parameters["weight"] = replacement
    assert layer.weight is replacement
    del layer._parameters["bias"]
    with pytest.raises(AttributeError):
        layer.bias
    layer._parameters.update(bias=nn.Parameter(ember.ones(3)))
    assert layer.bias.tolist() == [1.0, 1.0, 1.0]
    assert layer._parameters.pop("bias") is not None and not hasattr(layer, "bias")
    layer._buffers.setdefault("count", ember.tensor(4))
    assert layer.count.item() == 4
    layer._buffers.clear()
    assert not hasattr(layer, "count")
    twin = copy.deepcopy(layer)
    assert twin.weight is twin._parameters["weight"] and twin.weight is not layer.weight
    twin._parameters["weight"] = nn.Parameter(ember.ones(3, 2))
    assert twin.weight.sum().item() == 6.0 and layer.weight.sum().item() == 0.0


def test_replacing_the_parameter_registry_is_what_every_reader_sees():
    layer = nn.Linear(2, 3)
    layer._parameters = OrderedDict()
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weight'"):
        layer.weight
    assert not hasattr(layer, "bias")
    assert list(layer.parameters()) == [] and list(layer.state_dict()) == []
    with pytest.raises(AttributeError, match="no attribute 'bias'"):  # extra_repr reads self.bias, as in PyTorch
        repr(layer)
    weight = nn.Parameter(ember.ones(3, 2))
    layer._parameters = {"weight": weight, "bias": None}
    assert layer.weight is weight and layer.bias is None
    assert repr(layer) == "Linear(in_features=2, out_features=3, bias=False)"
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer(ember.ones(1, 2)).tolist() == [[2.0, 2.0, 2.0]]


def test_replacing_the_module_and_buffer_registries_is_what_every_reader_sees():
    net = Net()
    hidden = net.hidden
    net._modules = {"only": nn.Tanh()}
    assert not hasattr(net, "hidden") and isinstance(net.only, nn.Tanh)
    assert [name for name, _ in net.named_modules()] == ["", "only"]
    assert list(net.parameters()) == [] and list(net.state_dict()) == []
    assert repr(net) == "Net(\n  (only): Tanh()\n)"
    net._modules = OrderedDict(hidden=hidden)
    assert net.hidden is hidden and list(net.state_dict()) == ["hidden.weight", "hidden.bias"]

    norm = nn.BatchNorm1d(2)
    norm._buffers = {"running_mean": ember.full((2,), 5.0)}
    assert norm.running_mean.tolist() == [5.0, 5.0] and not hasattr(norm, "running_var")
    assert list(norm.buffers()) == [norm.running_mean]
    assert list(norm.state_dict()) == ["weight", "bias", "running_mean"]
    norm._buffers = {}
    assert list(norm.state_dict()) == ["weight", "bias"] and not hasattr(norm, "running_mean")


def test_attributes_follow_changes_made_inside_the_registries():
    net = Net()
    replacement = nn.Parameter(ember.zeros(5, 4))
    net.hidden._parameters["weight"] = replacement
    assert net.hidden.weight is replacement and net.state_dict()["hidden.weight"].sum().item() == 0.0
    del net.hidden._parameters["weight"]
    assert not hasattr(net.hidden, "weight")
    assert [name for name, _ in net.named_parameters()] == ["hidden.bias", "out.weight", "out.bias"]
    del net._modules["out"]
    assert not hasattr(net, "out") and [name for name, _ in net.named_modules()] == ["", "hidden"]
    net._modules["head"] = nn.Linear(5, 1)
    assert isinstance(net.head, nn.Linear) and "(head): Linear(in_features=5, out_features=1, bias=True)" in repr(net)
    net._buffers["steps"] = ember.tensor(3)
    assert net.steps.item() == 3 and "steps" in net.state_dict()
    net._buffers.pop("steps")
    assert not hasattr(net, "steps") and "steps" not in net.state_dict()


def test_attribute_reads_stay_live_once_the_class_has_read_them_before():
    class Scale(nn.Module):  # a class of its own: its first read goes through Module.__getattr__
        def __init__(self):
            super().__init__()
            self.factor = nn.Parameter(ember.tensor(2.0))

        def forward(self, x):
            return x * self.factor

    first, second = Scale(), Scale()
    assert first(ember.tensor(3.0)).item() == 6.0  # the first read of `factor` in this class
    second._parameters = {"factor": nn.Parameter(ember.tensor(5.0))}
    assert second(ember.tensor(3.0)).item() == 15.0 and first.factor.item() == 2.0
    del first._parameters["factor"]
    with pytest.raises(AttributeError, match="'Scale' object has no attribute 'factor'"):
        first.factor
    first.factor = ember.tensor(7.0)  # a plain attribute once the parameter is gone, as pruning does
    assert first(ember.tensor(1.0)).item() == 7.0 and list(first.parameters()) == []
    assert not hasattr(Scale, "factor") and not hasattr(nn.Linear, "weight")
    assert "factor" in dir(second) and "factor" in dir(first)
    del first.factor
    assert "factor" not in dir(first) and not hasattr(first, "factor")


def test_reassigning_a_member_keeps_its_place():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(ember.zeros(3, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    model[0] = nn.Tanh()
    assert list(model._modules) == ["0", "1"] and isinstance(model[0], nn.Tanh)
    norm = nn.BatchNorm1d(2)
    norm.running_mean = nn.Buffer(ember.ones(2))
    assert list(norm._buffers) == ["running_mean", "running_var", "num_batches_tracked"]
    layer.weight = None
    assert layer.weight is None and list(layer.state_dict()) == ["bias"]


def test_pickled_and_deep_copied_modules_own_their_registries():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = ember.randn(4, 2)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_allclose(twin(x).detach().numpy(), model(x).detach().numpy())
        assert [name for name, _ in twin.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
        twin._modules["0"] = nn.Identity()
        assert isinstance(twin[0], nn.Identity) and isinstance(getattr(twin, "0"), nn.Identity)
    assert isinstance(model[0], nn.Linear)


def test_shallow_copy_shares_the_registries_as_in_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    twin = copy.copy(model)
    assert twin._modules is model._modules and twin[0] is model[0]
    twin._modules["0"] = nn.Identity()
    assert isinstance(model[0], nn.Identity)


def test_get_submodule_parameter_and_buffer():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.get_submodule("1") is model[1]
    assert model.get_submodule("") is model
    assert model.get_parameter("0.bias") is model[0].bias
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `5`"):
        model.get_submodule("5")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        model.get_submodule("0.weight")


def test_train_eval_and_requires_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert model.training and model[1].training
    assert model.eval() is model
    assert not model.training and not model[1].training
    model.train()
    assert model[1].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_zero_grad_sets_to_none_or_zero():
    net = Net()
    net(ember.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    grads = ember.autograd.grad(net(ember.randn(3, 4)).sum(), list(net.parameters()), create_graph=True)
    for p, g in zip(net.parameters(), grads):
        p.grad = g
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.requires_grad and float(p.grad.abs().sum()) == 0 for p in net.parameters())


def test_apply_visits_children_first():
    seen = []
    model = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)

    model.apply(init_weights)
    assert model[0].weight.tolist() == [[0.5]]


def test_to_double_float_keep_parameter_objects_and_integer_buffers():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    model(ember.randn(4, 2)).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight
    assert weight.dtype is ember.float64 and weight.grad.dtype is ember.float64
    assert model[1].running_mean.dtype is ember.float64
    assert model[1].num_batches_tracked.dtype is ember.int64
    model.to(ember.float32)
    assert weight.dtype is ember.float32
    model.to("cpu", dtype=ember.float64)
    assert weight.dtype is ember.float64
    model.float().cpu()
    assert weight.dtype is ember.float32 and weight.device.type == "cpu"
    if not missing_dtypes(ember.float16):  # a backend without float16 has no half()
        model.half()
        assert weight.dtype is ember.float16
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(ember.int64)


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(module, args, output):
        calls.append("post")
        return output + 1

    pre_handle = lin.register_forward_pre_hook(pre)
    post_handle = lin.register_forward_hook(post)
    out = lin(ember.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), (lin.bias + 1).detach().numpy().reshape(1, 2), rtol=1e-6)
    assert calls == ["pre", "post"]
    pre_handle.remove()
    post_handle.remove()
    calls.clear()
    lin(ember.ones(1, 2))
    assert calls == []


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    module = Scale()
    order = []
    module.register_forward_hook(lambda m, a, o: order.append("second"))
    module.register_forward_hook(lambda m, a, o: order.append("first"), prepend=True)
    with module.register_forward_pre_hook(lambda m, a, k: (a, {"factor": 3.0}), with_kwargs=True):
        assert module(ember.ones(1)).item() == 3.0
    assert module(ember.ones(1)).item() == 1.0
    assert order == ["first", "second", "first", "second"]
    seen = []
    module.register_forward_hook(lambda m, a, k, o: seen.append(k), with_kwargs=True)
    module(ember.ones(1), factor=2.0)
    assert seen == [{"factor": 2.0}]


def test_state_dict_is_ordered_detached_and_shares_memory():
    net = Net()
    state = net.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert not any(t.requires_grad for t in state.values())
    assert type(state["hidden.weight"]) is ember.Tensor
    state["out.bias"].numpy()[0] = 42.0
    assert net.out.bias[0].item() == 42.0
    kept = net.state_dict(keep_vars=True)
    assert kept["hidden.weight"] is net.hidden.weight
    assert list(net.state_dict(prefix="model.")) == [
        "model.hidden.weight",
        "model.hidden.bias",
        "model.out.weight",
        "model.out.bias",
    ]


def test_load_state_dict_copies_in_place():
    source, target = Net(), Net()
    weight = target.hidden.weight
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.hidden.weight is weight
    np.testing.assert_array_equal(weight.detach().numpy(), source.hidden.weight.detach().numpy())


def test_load_state_dict_strict_errors_like_pytorch():
    net = Net()
    state = net.state_dict()
    del state["out.bias"]
    state["extra"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "out.bias". \n'
        '\tUnexpected key(s) in state_dict: "extra". '
    )
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["out.bias"] and result.unexpected_keys == ["extra"]
    state = net.state_dict()
    state["hidden.weight"] = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"size mismatch for hidden.weight: copying a param with shape "):
        net.load_state_dict(state, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])


def test_load_state_dict_assign_replaces_parameters():
    net = Net()
    state = {k: v.clone() for k, v in Net().state_dict().items()}
    net.load_state_dict(state, assign=True)
    assert isinstance(net.hidden.weight, nn.Parameter) and net.hidden.weight.requires_grad
    assert net.hidden.weight._data is state["hidden.weight"]._data


def test_deepcopy_gives_an_independent_module():
    net = Net()
    twin = copy.deepcopy(net)
    assert isinstance(twin.hidden.weight, nn.Parameter)
    twin.hidden.weight.data.fill_(1.0)
    assert not bool((net.hidden.weight == 1.0).all())
    assert repr(twin) == MLP_REPR


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_legacy_reduction_arguments_warn_and_map():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"
    assert "reduction='sum'" in str(caught[0].message)


def test_batch_norm_state_without_num_batches_tracked_loads():
    bn = nn.BatchNorm1d(2)
    state = bn.state_dict()
    del state["num_batches_tracked"]
    bn.num_batches_tracked.fill_(5)
    assert repr(bn.load_state_dict(state)) == "<All keys matched successfully>"
    assert bn.num_batches_tracked.item() == 0
    assert "num_batches_tracked" not in state
