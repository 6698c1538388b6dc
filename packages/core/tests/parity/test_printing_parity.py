"""ember._printing against PyTorch's own repr, on random and edge-case arrays."""

import numpy as np
import pytest
from ember._printing import format_tensor, get_printoptions, set_printoptions

torch = pytest.importorskip("torch")

FLOAT_DTYPES = ["float16", "float32", "float64"]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ["bool"]

OPTION_SETS = {
    "default": {},
    "precision2": {"precision": 2},
    "sci_on": {"sci_mode": True},
    "sci_off": {"sci_mode": False},
    "linewidth40": {"linewidth": 40},
    "threshold10_edge2": {"threshold": 10, "edgeitems": 2},
    "short": {"profile": "short"},
    "full": {"profile": "full"},
    "edgeitems0": {"threshold": 10, "edgeitems": 0},
    "threshold0": {"threshold": 0, "edgeitems": 1},
}


def expected_repr(t) -> str:
    return repr(t).replace("torch.", "ember.")


def ember_repr(t, prefix: str = "tensor(") -> str:
    grad_fn = t.grad_fn
    return format_tensor(
        t.detach().numpy(),
        dtype_name=str(t.dtype).removeprefix("torch."),
        show_dtype=t.dtype != torch.get_default_dtype(),
        requires_grad=t.requires_grad,
        grad_fn=None if grad_fn is None else type(grad_fn).__name__,
        prefix=prefix,
    )


@pytest.fixture
def same_options(request):
    """Apply one option set to both printers; restore both afterwards."""
    saved = get_printoptions()
    torch_saved = torch._tensor_str.get_printoptions()

    def apply(**kwargs):
        torch.set_printoptions(**kwargs)
        set_printoptions(**kwargs)

    yield apply
    torch.set_printoptions(profile="default", **torch_saved)
    set_printoptions(profile="default", **saved)


def random_shape(rng) -> tuple[int, ...]:
    kind = rng.integers(0, 6)
    if kind == 0:
        return ()
    if kind == 1:
        return (int(rng.integers(0, 30)),)
    if kind == 2:  # around the summarisation threshold
        near_threshold = [
            (999,),
            (1000,),
            (1001,),
            (25, 40),
            (31, 33),
            (2, 501),
            (3, 7, 50),
        ]
        return near_threshold[int(rng.integers(0, len(near_threshold)))]
    ndim = int(rng.integers(2, 5))
    top = {2: 12, 3: 6, 4: 5}[ndim]
    return tuple(int(rng.integers(1 if rng.random() < 0.9 else 0, top)) for _ in range(ndim))


def random_values(rng, shape, dtype: str) -> np.ndarray:
    size = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        return (rng.random(size) < 0.5).reshape(shape)
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        span = [10, 1000, int(info.max)][rng.integers(0, 3)]
        low = max(int(info.min), -span)
        return rng.integers(low, min(int(info.max), span), size=size, endpoint=True).astype(dtype).reshape(shape)

    style = rng.integers(0, 5)
    low_exp, high_exp = sorted(rng.uniform(-6, 10, size=2))
    if style == 0:  # one magnitude band
        high_exp = min(low_exp + 1.5, 10)
    magnitudes = 10.0 ** rng.uniform(low_exp, high_exp, size=size)
    values = magnitudes * rng.choice([-1.0, 1.0], size=size)
    if style == 1:  # whole numbers
        values = np.round(values)
    if style == 2:  # small whole numbers
        values = rng.integers(-20, 21, size=size).astype(np.float64)
    if style in (3, 4) and size:  # sprinkle special values
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
        mask = rng.random(size) < (0.2 if style == 3 else 0.9)
        values[mask] = rng.choice(specials, size=int(mask.sum()))
    with np.errstate(over="ignore"):
        return values.astype(dtype).reshape(shape)


def random_array(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dtype = ALL_DTYPES[int(rng.integers(0, len(ALL_DTYPES)))]
    if rng.random() < 0.4:
        dtype = FLOAT_DTYPES[int(rng.integers(0, 3))]
    return random_values(rng, random_shape(rng), dtype)


@pytest.mark.parametrize("seed", range(400))
def test_random_arrays_default_options(seed):
    t = torch.from_numpy(random_array(seed))
    assert ember_repr(t) == expected_repr(t)


@pytest.mark.parametrize("options", OPTION_SETS, ids=str)
@pytest.mark.parametrize("seed", range(1000, 1060))
def test_random_arrays_changed_options(seed, options, same_options):
    same_options(**OPTION_SETS[options])
    t = torch.from_numpy(random_array(seed))
    assert ember_repr(t) == expected_repr(t)


EDGE_CASES = {
    "scalar_float": np.array(3.5, dtype=np.float32),
    "scalar_int": np.array(-7, dtype=np.int64),
    "scalar_bool": np.array(True),
    "scalar_nan": np.array(np.nan, dtype=np.float64),
    "scalar_neg_zero": np.array(-0.0, dtype=np.float32),
    "scalar_tiny": np.array(1e-7, dtype=np.float32),
    "empty_1d": np.zeros(0, dtype=np.float32),
    "empty_1d_int": np.zeros(0, dtype=np.int64),
    "empty_1d_bool": np.zeros(0, dtype=bool),
    "empty_2d": np.zeros((0, 3), dtype=np.float32),
    "empty_3d_f64": np.zeros((2, 0, 3), dtype=np.float64),
    "all_zero": np.zeros(4, dtype=np.float32),
    "neg_zeros": np.array([-0.0, 0.0, -0.0], dtype=np.float32),
    "nan_inf_only": np.array([np.nan, np.inf, -np.inf], dtype=np.float32),
    "nan_with_ints": np.array([np.nan, 1.0, -2.0], dtype=np.float32),
    "int_valued": np.array([1.0, 2.0, 3.0], dtype=np.float32),
    "sci_ratio": np.array([1.0, 1001.0], dtype=np.float32),
    "no_sci_ratio": np.array([1.0, 999.5], dtype=np.float32),
    "sci_big": np.array([1.5e8, 2.5e8], dtype=np.float64),
    "sci_small": np.array([5e-5, 6e-5], dtype=np.float64),
    "huge_range": np.array([1e300, 1e-300], dtype=np.float64),
    "float16_max": np.array([65504.0, -1.0, 0.5], dtype=np.float16),
    "float16_sub": np.array([6e-8, 1.0], dtype=np.float16),
    "bools": np.array([True, False, True]),
    "ints_padded": np.array([1, -200, 30000], dtype=np.int32),
    "uint8": np.arange(250, 256, dtype=np.uint8),
    "int64_extremes": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
    "wrap_floats": np.linspace(-1, 1, 40, dtype=np.float64),
    "wrap_ints": np.arange(100, dtype=np.int16),
    "long_row_3d": np.arange(2 * 3 * 30, dtype=np.float32).reshape(2, 3, 30) / 7,
    "4d": np.arange(2 * 2 * 2 * 3, dtype=np.float64).reshape(2, 2, 2, 3),
    "summarised_1d": np.arange(1001, dtype=np.float32),
    "summarised_2d": np.arange(40 * 40, dtype=np.int32).reshape(40, 40),
    "summarised_4d": np.arange(4 * 5 * 7 * 10, dtype=np.float64).reshape(4, 5, 7, 10) * 0.5,
    "summarised_narrow": np.arange(2000, dtype=np.float32).reshape(1000, 2),
    "exactly_threshold": np.ones(1000, dtype=np.float32),
    "one_element_2d": np.array([[2.25]], dtype=np.float32),
    "single_column": np.arange(5, dtype=np.float32).reshape(5, 1) - 2.5,
}


@pytest.mark.parametrize("options", OPTION_SETS, ids=str)
@pytest.mark.parametrize("name", EDGE_CASES, ids=str)
def test_edge_cases(name, options, same_options):
    same_options(**OPTION_SETS[options])
    t = torch.from_numpy(EDGE_CASES[name].copy())
    assert ember_repr(t) == expected_repr(t)


def autograd_cases():
    rng = np.random.default_rng(7)
    for dtype in (torch.float32, torch.float64):
        for shape in [(), (3,), (2, 3), (12,), (3, 9), (2, 2, 8)]:
            base = torch.from_numpy(rng.standard_normal(shape)).to(dtype)
            leaf = base.clone().requires_grad_()
            yield leaf
            yield leaf * 2
            yield leaf.exp() + 1
            yield leaf.sum()
            yield leaf.reshape(-1)[:2]
            if leaf.dim() >= 1:
                yield leaf[0]


AUTOGRAD_CASES = list(autograd_cases())


@pytest.mark.parametrize("index", range(len(AUTOGRAD_CASES)))
def test_requires_grad_and_grad_fn(index):
    t = AUTOGRAD_CASES[index]
    assert ember_repr(t) == expected_repr(t)


@pytest.mark.parametrize("index", range(0, len(AUTOGRAD_CASES), 3))
def test_requires_grad_narrow_lines(index, same_options):
    same_options(linewidth=30)
    t = AUTOGRAD_CASES[index]
    assert ember_repr(t) == expected_repr(t)


@pytest.mark.parametrize("seed", range(2000, 2030))
def test_default_dtype_float64(seed):
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        t = torch.from_numpy(random_array(seed))
        assert ember_repr(t) == expected_repr(t)
        empty = torch.from_numpy(np.zeros((0, 2), dtype=t.numpy().dtype))
        assert ember_repr(empty) == expected_repr(empty)
    finally:
        torch.set_default_dtype(saved)


class Custom(torch.Tensor):
    pass


@pytest.mark.parametrize("seed", range(3000, 3020))
def test_subclass_prefix(seed):
    t = torch.from_numpy(random_array(seed)).as_subclass(Custom)
    assert ember_repr(t, prefix="Custom(") == expected_repr(t)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (30,)])
def test_parameter(shape):
    p = torch.nn.Parameter(torch.ones(shape, dtype=torch.float64) / 3)
    expected = "Parameter containing:\n" + format_tensor(
        p.detach().numpy(), dtype_name="float64", show_dtype=True, requires_grad=True
    )
    assert expected == expected_repr(p)


@pytest.mark.parametrize("device", ["cuda:0", "cuda:1"])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (0,), (2, 0), (25,)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_device_suffix(device, shape, dtype):
    # torch here has no GPU: build the expected text from its own suffix rule.
    t = torch.from_numpy(np.ones(shape, dtype=dtype) * 1.5).requires_grad_(dtype != "int64")
    body = repr(t).replace("torch.", "ember.")
    head, tail = body.split("[", 1)[0], body[len("tensor(") :]
    assert head == "tensor("
    data = tail[: tail.rfind("]") + 1]
    suffixes = [f"device='{device}'"]
    if t.numel() == 0 and t.dim() != 1:
        suffixes.append(f"size={tuple(t.shape)}")
    if dtype == "float64" or (t.numel() == 0 and dtype == "int64"):
        suffixes.append(f"dtype=ember.{dtype}")
    if t.requires_grad:
        suffixes.append("requires_grad=True")
    expected = torch._tensor_str._add_suffixes("tensor(" + data, suffixes, 7, False)
    actual = format_tensor(
        t.detach().numpy(),
        dtype_name=dtype,
        show_dtype=dtype != "float32",
        device=device,
        requires_grad=t.requires_grad,
    )
    assert actual == expected
