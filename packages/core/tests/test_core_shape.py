"""Shape ops: values against NumPy, PyTorch's node names, in-place shape changes, errors."""

import warnings

import ember
import numpy as np
import pytest

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def _t(array=A, **kwargs):
    return ember.tensor(array, **kwargs)


def _equal(tensor, expected):
    assert tuple(tensor.shape) == np.shape(expected)
    np.testing.assert_array_equal(tensor.detach().numpy(), expected)


def _node(tensor) -> str:
    return type(tensor.grad_fn).__name__


# --- reshape, view, flatten --------------------------------------------------------------------

RESHAPES = [
    ((6, 4), (6, 4)),
    ((-1, 4), (6, 4)),
    ((4, -1), (4, 6)),
    (((24,),), (24,)),
    (([2, 12],), (2, 12)),
    ((ember.Size([3, 8]),), (3, 8)),
    ((2, 3, 2, 2), (2, 3, 2, 2)),
]


@pytest.mark.parametrize(("args", "shape"), RESHAPES)
def test_reshape_and_view_match_numpy(args, shape):
    _equal(_t().reshape(*args), A.reshape(shape))
    _equal(_t().view(*args), A.reshape(shape))
    _equal(ember.reshape(_t(), shape), A.reshape(shape))


def test_reshape_copies_when_the_layout_cannot_be_viewed():
    transposed = _t().transpose(0, 2)
    _equal(transposed.reshape(-1), A.transpose(2, 1, 0).reshape(-1))
    assert transposed.view(4, 3, 2).shape == (4, 3, 2)


def test_view_and_reshape_errors():
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use \.reshape\(\.\.\.\) instead"):
        _t().transpose(0, 2).view(-1)
    with pytest.raises(RuntimeError, match=r"shape '\[5, 5\]' is invalid for input of size 24"):
        _t().reshape(5, 5)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        _t().view(-1, -1)
    with pytest.raises(RuntimeError, match=r"invalid shape dimension -2 at index 0 of shape \[-2, 12\]"):
        _t().reshape(-2, 12)
    with pytest.raises(RuntimeError, match="can be any value and is ambiguous"):
        ember.zeros(0, 3).reshape(-1, 0)
    with pytest.raises(TypeError, match="view\\(\\) needs a shape"):
        _t().view()
    with pytest.raises(TypeError, match="sizes must be ints"):
        _t().reshape(2.0, 12)


def test_view_as_dtype_reinterprets_bits():
    floats = ember.tensor([1.0, -2.0])
    _equal(floats.view(ember.int32), np.array([1.0, -2.0], np.float32).view(np.int32))
    with pytest.raises(RuntimeError, match="must be divisible by 2"):
        ember.ones(3).view(ember.int64)


def test_view_as_reshape_as_flatten_unflatten_ravel():
    _equal(_t().view_as(ember.zeros(4, 6)), A.reshape(4, 6))
    _equal(_t().reshape_as(ember.zeros(24)), A.reshape(24))
    _equal(_t().flatten(), A.reshape(-1))
    _equal(_t().flatten(1), A.reshape(2, 12))
    _equal(_t().flatten(0, 1), A.reshape(6, 4))
    _equal(_t().flatten(-2, -1), A.reshape(2, 12))
    _equal(ember.tensor(3.0).flatten(), np.array([3.0], np.float32))
    _equal(_t().unflatten(2, (2, 2)), A.reshape(2, 3, 2, 2))
    _equal(_t().unflatten(-1, (-1, 2)), A.reshape(2, 3, 2, 2))
    _equal(_t().transpose(0, 1).ravel(), A.transpose(1, 0, 2).reshape(-1))
    with pytest.raises(RuntimeError, match="start_dim .* cannot come after end_dim"):
        _t().flatten(2, 1)
    with pytest.raises(RuntimeError, match=r"Provided sizes \[3, 3\] don't multiply up to the size of dim 2 \(4\)"):
        _t().unflatten(2, (3, 3))


def test_contiguous_and_strides():
    t = _t()
    assert t.is_contiguous() and t.contiguous() is t
    assert t.stride() == (12, 4, 1)
    transposed = t.transpose(0, 2)
    assert not transposed.is_contiguous()
    assert transposed.stride() == (1, 4, 12)
    made = transposed.contiguous()
    assert made.is_contiguous() and made.stride() == (6, 2, 1)
    _equal(made, A.transpose(2, 1, 0))
    assert transposed.clone().stride() == (1, 4, 12)


# --- squeeze and unsqueeze ---------------------------------------------------------------


def test_squeeze_and_unsqueeze_match_numpy():
    array = np.zeros((1, 3, 1, 2), np.float32)
    t = ember.tensor(array)
    assert t.squeeze().shape == (3, 2)
    assert t.squeeze(0).shape == (3, 1, 2)
    assert t.squeeze(1).shape == (1, 3, 1, 2)
    assert t.squeeze(-2).shape == (1, 3, 2)
    assert t.squeeze((0, 2)).shape == (3, 2)
    assert ember.tensor(1.0).squeeze(0).shape == ()
    assert ember.tensor(1.0).squeeze(-1).shape == ()
    assert t.unsqueeze(0).shape == (1, 1, 3, 1, 2)
    assert t.unsqueeze(-1).shape == (1, 3, 1, 2, 1)
    assert t.unsqueeze(4).shape == (1, 3, 1, 2, 1)
    _equal(_t().unsqueeze(1), A[:, None])


def test_squeeze_unsqueeze_errors():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-4, 3\], but got 4\)"):
        ember.zeros(1, 3, 1, 2).squeeze(4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.zeros(2, 3).unsqueeze(3)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        ember.zeros(1, 1).squeeze((0, 0))


# --- transpose, permute, movedim, T ---------------------------------------------------------


def test_transpose_family_matches_numpy():
    _equal(_t().transpose(0, 2), A.transpose(2, 1, 0))
    _equal(_t().transpose(-1, -2), A.swapaxes(-1, -2))
    _equal(_t().swapaxes(0, 1), A.swapaxes(0, 1))
    _equal(ember.swapdims(_t(), 1, 2), A.swapaxes(1, 2))
    _equal(_t().permute(2, 0, 1), A.transpose(2, 0, 1))
    _equal(_t().permute([2, 0, 1]), A.transpose(2, 0, 1))
    _equal(_t().permute(-1, 0, 1), A.transpose(2, 0, 1))
    _equal(_t().movedim(0, -1), np.moveaxis(A, 0, -1))
    _equal(_t().movedim((0, 1), (2, 0)), np.moveaxis(A, (0, 1), (2, 0)))
    _equal(ember.moveaxis(_t(), 2, 0), np.moveaxis(A, 2, 0))
    _equal(_t().mT, A.swapaxes(-1, -2))
    matrix = ember.tensor(A[0])
    _equal(matrix.t(), A[0].T)
    _equal(matrix.T, A[0].T)
    _equal(ember.tensor([1.0, 2.0]).t(), np.array([1.0, 2.0], np.float32))


def test_T_on_other_ranks_warns_like_pytorch():
    with pytest.warns(UserWarning, match="The use of `x.T` on tensors of dimension other than 2"):
        _equal(_t().T, A.transpose(2, 1, 0))
    with pytest.warns(UserWarning, match="Tensor.T is deprecated on 0-D tensors"):
        ember.tensor(1.0).T
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.ones(2, 3).T


def test_transpose_family_errors():
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        _t().t()
    with pytest.raises(RuntimeError, match="input.dim\\(\\) = 3 is not equal to len\\(dims\\) = 2"):
        _t().permute(0, 1)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        _t().permute(0, 1, 1)
    with pytest.raises(RuntimeError, match="should contain the same number of dims as destination"):
        _t().movedim((0, 1), (0,))
    with pytest.raises(RuntimeError, match="repeated dim in `destination`"):
        _t().movedim((0, 1), (0, 0))
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices"):
        ember.ones(3).mT
    with pytest.raises(IndexError, match="Dimension out of range"):
        _t().transpose(0, 3)


# --- expand, repeat, tile, broadcast ------------------------------------------------------------


def test_expand_family_matches_numpy():
    column = np.arange(3, dtype=np.float32).reshape(3, 1)
    t = ember.tensor(column)
    _equal(t.expand(3, 4), np.broadcast_to(column, (3, 4)))
    _equal(t.expand(-1, 4), np.broadcast_to(column, (3, 4)))
    _equal(t.expand(2, 3, 4), np.broadcast_to(column, (2, 3, 4)))
    _equal(t.expand((2, 3, 4)), np.broadcast_to(column, (2, 3, 4)))
    _equal(t.expand_as(ember.zeros(5, 3, 2)), np.broadcast_to(column, (5, 3, 2)))
    _equal(ember.broadcast_to(t, (3, 2)), np.broadcast_to(column, (3, 2)))
    assert t.expand(3, 4).stride() == (1, 0)
    _equal(ember.tensor(1.0).expand(2, 2), np.ones((2, 2), np.float32))
    first, second = ember.broadcast_tensors(ember.zeros(3), ember.zeros(2, 1))
    assert first.shape == second.shape == (2, 3)
    assert ember.broadcast_shapes((3,), (2, 1), 1) == ember.Size([2, 3])


def test_expand_errors():
    t = ember.zeros(3, 1)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        t.expand(4, 4)
    with pytest.raises(RuntimeError, match=r"expand\(ember.FloatTensor\{\[3, 1\]\}, size=\[4\]\): the number of sizes"):
        t.expand(4)
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        t.expand(-1, 3, 1)
    with pytest.raises(RuntimeError, match="Shape mismatch: objects cannot be broadcast"):
        ember.broadcast_shapes((2,), (3,))


def test_repeat_tile_repeat_interleave():
    matrix = A[0]
    t = ember.tensor(matrix)
    _equal(t.repeat(2, 1), np.tile(matrix, (2, 1)))
    _equal(t.repeat(2, 1, 3), np.tile(matrix, (2, 1, 3)))
    _equal(t.tile((2,)), np.tile(matrix, (1, 2)))
    _equal(t.tile(2), np.tile(matrix, (1, 2)))
    _equal(t.repeat_interleave(2, dim=0), np.repeat(matrix, 2, axis=0))
    _equal(t.repeat_interleave(2), np.repeat(matrix, 2))
    counts = ember.tensor([1, 0, 2])
    _equal(t.repeat_interleave(counts, dim=0), np.repeat(matrix, [1, 0, 2], axis=0))
    _equal(ember.repeat_interleave(ember.tensor([1, 2])), np.array([0, 1, 1]))
    _equal(t.repeat_interleave(ember.tensor(2), dim=1), np.repeat(matrix, 2, axis=1))
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller"):
        t.repeat(2)
    with pytest.raises(RuntimeError, match="repeats must have the same size as input along dim"):
        t.repeat_interleave(ember.tensor([1, 2]), dim=1)


# --- flip, roll, rot90 ------------------------------------------------------------------------


def test_flip_roll_rot90_match_numpy():
    _equal(_t().flip(0), np.flip(A, 0))
    _equal(_t().flip([0, 2]), np.flip(A, (0, 2)))
    _equal(_t().flip(-1), np.flip(A, -1))
    _equal(ember.fliplr(_t()), np.fliplr(A))
    _equal(ember.flipud(_t()), np.flipud(A))
    _equal(_t().roll(1), np.roll(A, 1))
    _equal(_t().roll(-2, 2), np.roll(A, -2, 2))
    _equal(_t().roll((1, -1), (0, 1)), np.roll(A, (1, -1), (0, 1)))
    for k in range(-1, 5):
        _equal(_t().rot90(k, (1, 2)), np.rot90(A, k, (1, 2)))


def test_flip_copies_memory():
    t = _t()
    flipped = t.flip(0)
    flipped.zero_()
    _equal(t, A)
    assert flipped.is_contiguous()


def test_flip_roll_errors():
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        _t().flip([0, 0])
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        _t().roll((1, 2), (0,))
    with pytest.raises(RuntimeError, match="expected rotation dims to be different"):
        _t().rot90(1, (1, 1))


# --- narrow, select, split, chunk, unbind ----------------------------------------------------------


def test_narrow_and_select():
    _equal(_t().narrow(2, 1, 2), A[:, :, 1:3])
    _equal(_t().narrow(-1, -2, 2), A[:, :, 2:4])
    _equal(_t().narrow(1, ember.tensor(1), 2), A[:, 1:3])
    _equal(_t().select(1, -1), A[:, -1])
    _equal(ember.select(_t(), 0, 1), A[1])
    with pytest.raises(RuntimeError, match=r"start \(3\) \+ length \(2\) exceeds dimension size \(4\)"):
        _t().narrow(2, 3, 2)
    with pytest.raises(IndexError, match="start out of range"):
        _t().narrow(2, 5, 0)
    with pytest.raises(
        IndexError, match=r"select\(\): index 5 out of range for tensor of size \[2, 3, 4\] at dimension 1"
    ):
        _t().select(1, 5)


def test_split_chunk_unbind_match_numpy():
    pieces = _t().split(2, dim=2)
    assert len(pieces) == 2
    for piece, expected in zip(pieces, np.split(A, 2, axis=2)):
        _equal(piece, expected)
    uneven = ember.arange(5).split(2)
    assert [p.tolist() for p in uneven] == [[0, 1], [2, 3], [4]]
    sized = ember.arange(5).split([1, 4])
    assert [p.tolist() for p in sized] == [[0], [1, 2, 3, 4]]
    assert [p.tolist() for p in ember.arange(5).split_with_sizes([2, 3])] == [[0, 1], [2, 3, 4]]
    assert [p.tolist() for p in ember.arange(5).chunk(3)] == [[0, 1], [2, 3], [4]]
    assert [p.tolist() for p in ember.arange(6).chunk(4)] == [[0, 1], [2, 3], [4, 5]]
    assert len(ember.arange(5).chunk(10)) == 5
    assert [c.shape for c in ember.zeros(2, 5).chunk(2, 1)] == [(2, 3), (2, 2)]
    assert [p.tolist() for p in ember.zeros(0).split(2)] == [[]]
    rows = _t().unbind(1)
    assert len(rows) == 3
    for i, row in enumerate(rows):
        _equal(row, A[:, i])


def test_tensor_split_and_friends():
    assert [p.tolist() for p in ember.arange(7).tensor_split(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [p.tolist() for p in ember.arange(7).tensor_split([1, 5])] == [[0], [1, 2, 3, 4], [5, 6]]
    assert [p.tolist() for p in ember.arange(7).tensor_split(ember.tensor([2]))] == [[0, 1], [2, 3, 4, 5, 6]]
    matrix = ember.arange(8).reshape(2, 4)
    assert [p.tolist() for p in matrix.hsplit(2)] == [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]
    assert [p.shape for p in matrix.vsplit([1])] == [(1, 4), (1, 4)]
    assert [p.shape for p in ember.zeros(2, 2, 4).dsplit(2)] == [(2, 2, 2), (2, 2, 2)]
    with pytest.raises(RuntimeError, match="not divisible by the split_size 3"):
        matrix.hsplit(3)


def test_split_errors():
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 5"):
        ember.arange(5).split([1, 2])
    with pytest.raises(RuntimeError, match="split expects split_size be non-negative"):
        ember.arange(5).split(-1)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        ember.arange(5).chunk(0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.zeros(2, 3).unbind(2)


# --- unfold, diagonals, triangles --------------------------------------------------------------


def test_unfold_matches_sliding_windows():
    _equal(ember.arange(7).unfold(0, 3, 2), np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]]))
    windows = np.lib.stride_tricks.sliding_window_view(A, 2, axis=1)[:, ::1]
    _equal(_t().unfold(1, 2, 1), windows)
    _equal(_t().unfold(2, 2, 2), np.lib.stride_tricks.sliding_window_view(A, 2, axis=2)[:, :, ::2])
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 3 but size is 4"):
        ember.arange(3).unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        ember.arange(3).unfold(0, 2, 0)


def test_diag_diagonal_trace():
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = ember.tensor(matrix)
    for k in (-2, -1, 0, 1, 3, 5):
        _equal(t.diag(k), np.diag(matrix, k))
        _equal(t.diagonal(k), np.diagonal(matrix, k))
    vector = np.array([1.0, 2.0, 3.0], np.float32)
    for k in (-1, 0, 2):
        _equal(ember.tensor(vector).diag(k), np.diag(vector, k))
    _equal(_t().diagonal(0, -1, 0), np.diagonal(A, 0, -1, 0))
    _equal(_t().diagonal(1, 1, 2), np.diagonal(A, 1, 1, 2))
    batch = ember.tensor([[1.0, 2.0], [3.0, 4.0]]).diag_embed()
    _equal(batch, np.array([[[1, 0], [0, 2]], [[3, 0], [0, 4]]], np.float32))
    assert t[:, :3].trace().item() == np.trace(matrix[:, :3])
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        t.diagonal(0, 1, 1)
    with pytest.raises(RuntimeError, match="Supports 1D or 2D tensors. Got 3D"):
        _t().diag()


def test_triangles_match_numpy():
    matrix = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    for k in (-2, 0, 1, 5):
        _equal(ember.tensor(matrix).tril(k), np.tril(matrix, k))
        _equal(ember.tensor(matrix).triu(k), np.triu(matrix, k))
    _equal(_t().tril(1), np.tril(A, 1))
    in_place = ember.tensor(matrix)
    assert in_place.triu_(1) is in_place
    _equal(in_place, np.triu(matrix, 1))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ember.ones(3).tril()


# --- joining -------------------------------------------------------------------------------------


def test_cat_and_stack_match_numpy():
    a, b = A[0], A[1]
    _equal(ember.cat([ember.tensor(a), ember.tensor(b)]), np.concatenate([a, b]))
    _equal(ember.cat((ember.tensor(a), ember.tensor(b)), dim=1), np.concatenate([a, b], 1))
    _equal(ember.cat([ember.tensor(a), ember.tensor(b)], -1), np.concatenate([a, b], -1))
    _equal(ember.concat([ember.tensor(a)]), a)
    _equal(ember.concatenate([ember.tensor(a), ember.tensor(b)]), np.concatenate([a, b]))
    _equal(ember.stack([ember.tensor(a), ember.tensor(b)]), np.stack([a, b]))
    _equal(ember.stack([ember.tensor(a), ember.tensor(b)], 2), np.stack([a, b], 2))
    _equal(ember.stack([ember.tensor(a), ember.tensor(b)], -1), np.stack([a, b], -1))
    _equal(ember.cat([ember.tensor([]), ember.tensor(a)]), a)


def test_cat_and_stack_promote_dtypes():
    assert ember.cat([ember.ones(2, dtype=ember.int32), ember.ones(2, dtype=ember.int64)]).dtype is ember.int64
    assert ember.cat([ember.ones(2), ember.ones(2, dtype=ember.int64)]).dtype is ember.float32
    assert ember.stack([ember.ones(2, dtype=ember.bool), ember.ones(2, dtype=ember.uint8)]).dtype is ember.uint8
    assert ember.cat([ember.ones(1, dtype=ember.float64), ember.ones(1)]).dtype is ember.float64


def test_cat_and_stack_out():
    out = ember.empty(0)
    assert ember.cat([ember.ones(2), ember.zeros(1)], out=out) is out
    assert out.tolist() == [1.0, 1.0, 0.0]
    stacked = ember.empty(2, 2)
    ember.stack([ember.ones(2), ember.zeros(2)], out=stacked)
    assert stacked.tolist() == [[1.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: ember.cat([ember.zeros(2, 2), ember.zeros(2, 1)]),
            RuntimeError,
            r"Sizes of tensors must match except in dimension 0. Expected size 2 but got size 1 for tensor number 1",
        ),
        (
            lambda: ember.cat([ember.zeros(2), ember.zeros(2, 1)]),
            RuntimeError,
            "Tensors must have same number of dimensions: got 1 and 2",
        ),
        (lambda: ember.cat([]), ValueError, "expected a non-empty list of Tensors"),
        (
            lambda: ember.cat([ember.tensor(1.0), ember.tensor(2.0)]),
            RuntimeError,
            r"zero-dimensional tensor \(at position 0\) cannot be concatenated",
        ),
        (lambda: ember.cat([ember.zeros(2), 3]), TypeError, "expected Tensor as element 1 in argument 0, but got int"),
        (lambda: ember.cat(ember.zeros(2)), TypeError, "must be a tuple or list of Tensors"),
        (
            lambda: ember.stack([ember.zeros(2), ember.zeros(3)]),
            RuntimeError,
            r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1",
        ),
        (lambda: ember.stack([]), ValueError, "expected a non-empty list"),
        (lambda: ember.cat([ember.zeros(2, 2)], dim=2), IndexError, "Dimension out of range"),
    ],
)
def test_join_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_stacking_helpers_match_numpy():
    a, b = np.arange(3.0, dtype=np.float32), np.arange(3.0, 6.0, dtype=np.float32)
    ta, tb = ember.tensor(a), ember.tensor(b)
    _equal(ember.hstack([ta, tb]), np.hstack([a, b]))
    _equal(ember.vstack([ta, tb]), np.vstack([a, b]))
    _equal(ember.row_stack([ta, tb]), np.vstack([a, b]))
    _equal(ember.dstack([ta, tb]), np.dstack([a, b]))
    _equal(ember.column_stack([ta, tb]), np.column_stack([a, b]))
    _equal(ember.hstack([ember.tensor(A[0]), ember.tensor(A[1])]), np.hstack([A[0], A[1]]))
    assert ember.atleast_1d(ember.tensor(1.0)).shape == (1,)
    assert ember.atleast_2d(ta).shape == (1, 3)
    assert ember.atleast_3d(ta).shape == (1, 3, 1)
    assert ember.atleast_3d(ember.tensor(A[0])).shape == (3, 4, 1)
    assert [t.shape for t in ember.atleast_2d(ta, ember.tensor(1.0))] == [(1, 3), (1, 1)]


# --- in-place shape changes --------------------------------------------------------------------


def test_in_place_shape_changes_keep_the_tensor_and_its_memory():
    t = ember.tensor(A[0])
    array = t.numpy()
    assert t.t_() is t and t.shape == (4, 3)
    _equal(t, A[0].T)
    assert t.transpose_(0, 1) is t and t.shape == (3, 4)
    assert t.unsqueeze_(0) is t and t.shape == (1, 3, 4)
    assert t.squeeze_() is t and t.shape == (3, 4)
    t.unsqueeze_(-1).squeeze_(2)
    assert t.shape == (3, 4)
    t.swapaxes_(0, 1)
    assert t.shape == (4, 3)
    t.mul_(0)
    assert array.sum() == 0
    assert t._version[0] == 8


def test_resize_keeps_elements_in_order():
    t = ember.arange(6.0)
    assert t.resize_(2, 3) is t and t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    t.resize_(2)
    assert t.tolist() == [0.0, 1.0]
    t.resize_(4)
    assert t.shape == (4,) and t[:2].tolist() == [0.0, 1.0]
    t.resize_as_(ember.zeros(2, 2))
    assert t.shape == (2, 2)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ember.ones(2, requires_grad=True).resize_(3)


def test_in_place_shape_changes_record_pytorch_nodes():
    x = ember.ones(2, 3, requires_grad=True)
    y = x * 1
    assert _node(y.t_()) == "TBackward1"
    assert _node(y.transpose_(0, 1)) == "TransposeBackward1"
    assert _node(y.unsqueeze_(0)) == "UnsqueezeBackward1"
    assert _node(y.squeeze_()) == "SqueezeBackward3"
    assert _node(y.unsqueeze_(0).squeeze_(0)) == "SqueezeBackward4"
    assert _node(y.unsqueeze_(0).squeeze_((0,))) == "SqueezeBackward5"
    (y * ember.arange(6.0).reshape(2, 3)).sum().backward()
    _equal(x.grad, np.arange(6.0, dtype=np.float32).reshape(2, 3))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.ones(2, 3, requires_grad=True).t_()


# --- node names ---------------------------------------------------------------------------------

NODES = [
    (lambda x: x.reshape(6, 4), "ViewBackward0"),
    (lambda x: x.transpose(0, 2).reshape(-1), "UnsafeViewBackward0"),
    (lambda x: x.view(-1), "ViewBackward0"),
    (lambda x: x.flatten(), "ViewBackward0"),
    (lambda x: x.unflatten(2, (2, 2)), "ViewBackward0"),
    (lambda x: x.squeeze(), "SqueezeBackward0"),
    (lambda x: x.squeeze(0), "SqueezeBackward1"),
    (lambda x: x.squeeze((0, 1)), "SqueezeBackward2"),
    (lambda x: x.unsqueeze(1), "UnsqueezeBackward0"),
    (lambda x: x.transpose(0, 1), "TransposeBackward0"),
    (lambda x: x.swapaxes(0, 1), "TransposeBackward0"),
    (lambda x: x.mT, "TransposeBackward0"),
    (lambda x: x[0].t(), "TBackward0"),
    (lambda x: x[0].T, "PermuteBackward0"),
    (lambda x: x.permute(2, 0, 1), "PermuteBackward0"),
    (lambda x: x.movedim(0, 1), "PermuteBackward0"),
    (lambda x: x[:, :1].expand(2, 3, 4), "ExpandBackward0"),
    (lambda x: x.repeat(1, 2, 1), "RepeatBackward0"),
    (lambda x: x.flip(0), "FlipBackward0"),
    (lambda x: x.roll(1), "RollBackward0"),
    (lambda x: x.narrow(1, 0, 2), "SliceBackward0"),
    (lambda x: x.select(1, 0), "SelectBackward0"),
    (lambda x: x.split(2, 2)[0], "SplitBackward0"),
    (lambda x: x.chunk(2, 2)[1], "SplitBackward0"),
    (lambda x: x.split([1, 3], 2)[0], "SplitWithSizesBackward0"),
    (lambda x: x.unbind(1)[0], "UnbindBackward0"),
    (lambda x: x.tensor_split(2, 2)[0], "SliceBackward0"),
    (lambda x: ember.cat([x, x]), "CatBackward0"),
    (lambda x: ember.stack([x, x]), "StackBackward0"),
    (lambda x: ember.hstack([x, x]), "CatBackward0"),
    (lambda x: x[0].tril(), "TrilBackward0"),
    (lambda x: x[0].triu(), "TriuBackward0"),
    (lambda x: x[0].diagonal(), "DiagonalBackward0"),
    (lambda x: x[0, 0].diag(), "DiagEmbedBackward0"),
    (lambda x: x.unfold(2, 2, 1), "UnfoldBackward0"),
    (lambda x: x.clone(), "CloneBackward0"),
    (lambda x: x.transpose(0, 1).contiguous(), "CloneBackward0"),
]


@pytest.mark.parametrize(("make", "node"), NODES)
def test_node_names_are_pytorch_names(make, node):
    x = _t(requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _node(make(x)) == node


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_numpy(indexing):
    vectors = [np.arange(3.0, dtype=np.float32), np.arange(2.0, dtype=np.float32), np.arange(4.0, dtype=np.float32)]
    grids = ember.meshgrid(*[ember.tensor(v) for v in vectors], indexing=indexing)
    for grid, expected in zip(grids, np.meshgrid(*vectors, indexing=indexing)):
        _equal(grid, expected)
    pair = ember.meshgrid([ember.tensor(vectors[0]), ember.tensor(vectors[1])], indexing=indexing)
    assert all(g.stride().count(0) == 1 for g in pair), "meshgrid outputs are expanded views"


def test_meshgrid_default_indexing_warns_and_checks_ranks():
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        first, _ = ember.meshgrid(ember.arange(3), ember.arange(2))
    assert first.shape == (3, 2)
    with pytest.raises(RuntimeError, match="indexing must be one of"):
        ember.meshgrid(ember.arange(3), indexing="xyz")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        ember.meshgrid(ember.zeros(2, 2), indexing="ij")
