"""Batches of sequences of different lengths: padding, and packing into a PackedSequence.

A PackedSequence stores the steps of a batch time-major without padding: ``data`` holds, for each
time step t, one row for each of the ``batch_sizes[t]`` sequences still running at t, sequences in
order of decreasing length. Packing and padding are single gathers on the data (one indexing op,
whose gradient is a scatter-add), so autograd flows through them.
"""

from __future__ import annotations

from ... import _dtype as dt
from ..._creation import arange, full, tensor, zeros
from ..._tensor import Tensor
from ...ops.elementwise import where
from ...ops.gather_scatter import nonzero
from ...ops.reductions import cumsum
from ...ops.shape import cat
from ...ops.sorting import argsort, sort

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class PackedSequence(tuple):
    """A batch of variable-length sequences packed time-major (see pack_padded_sequence).

    A tuple (data, batch_sizes, sorted_indices, unsorted_indices), as PyTorch's named tuple.
    """

    _fields = ("data", "batch_sizes", "sorted_indices", "unsorted_indices")

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created manually. "
                "They should be instantiated by functions like pack_sequence and pack_padded_sequences in "
                "nn.utils.rnn."
            )
        return super().__new__(cls, (data, batch_sizes, sorted_indices, unsorted_indices))

    def __getnewargs__(self) -> tuple:
        return tuple(self)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__name__}({fields})"

    @property
    def data(self) -> Tensor:
        """The steps' rows, time-major: ``(sum of lengths, *)``."""
        return self[0]

    @property
    def batch_sizes(self) -> Tensor:
        """How many sequences run at each time step (int64, on the CPU)."""
        return self[1]

    @property
    def sorted_indices(self) -> Tensor | None:
        """The batch index of each packed column (None when the batch was already sorted)."""
        return self[2]

    @property
    def unsorted_indices(self) -> Tensor | None:
        """The packed column of each original batch index (the inverse of sorted_indices)."""
        return self[3]

    def to(self, *args, **kwargs) -> PackedSequence:
        """The sequence with its data converted as ``Tensor.to`` converts (indices follow its device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = [None if i is None else i.to(data.device) for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def cuda(self, *args, **kwargs) -> PackedSequence:
        """The sequence on a CUDA device."""
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self) -> PackedSequence:
        """The sequence on the CPU."""
        return self.to("cpu")

    def double(self) -> PackedSequence:
        """The sequence with float64 data."""
        return self.to(dtype=dt.float64)

    def float(self) -> PackedSequence:
        """The sequence with float32 data."""
        return self.to(dtype=dt.float32)

    def half(self) -> PackedSequence:
        """The sequence with float16 data."""
        return self.to(dtype=dt.float16)

    def long(self) -> PackedSequence:
        """The sequence with int64 data."""
        return self.to(dtype=dt.int64)

    def int(self) -> PackedSequence:
        """The sequence with int32 data."""
        return self.to(dtype=dt.int32)

    @property
    def is_cuda(self) -> bool:
        """Whether the data is on a CUDA device."""
        return self.data.device.type == "cuda"

    def is_pinned(self) -> bool:
        """Whether the data is in pinned memory (never, here)."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes `permutation` (None for None)."""
    if permutation is None:
        return None
    return argsort(permutation)


def _lengths_tensor(lengths) -> Tensor:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D tensor, but got a {lengths.ndim}D tensor")
        return lengths.to("cpu", dt.int64)
    return tensor(list(lengths), dtype=dt.int64)


def pack_padded_sequence(
    input: Tensor, lengths: Tensor | list[int], batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)`` when batch_first) of sequences of the given lengths."""
    lengths = _lengths_tensor(lengths)
    batch = input.shape[0 if batch_first else 1] if input.ndim >= 2 else None
    if batch != lengths.shape[0]:
        raise RuntimeError(
            f"pack_padded_sequence(): expected len(lengths) to equal the batch size, but got {lengths.shape[0]} "
            f"lengths for input of size {list(input.shape)} (batch_first={batch_first})"
        )
    if batch and int(lengths.min()) <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    steps = input.shape[1 if batch_first else 0]
    if batch and int(lengths.max()) > steps:
        raise RuntimeError(
            f"pack_padded_sequence(): a length ({int(lengths.max())}) exceeds the input's {steps} time steps "
            f"(input size {list(input.shape)}, batch_first={batch_first})"
        )
    if enforce_sorted:
        if bool((lengths[1:] > lengths[:-1]).any()):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        sorted_indices = None
        sorted_lengths = lengths
    else:
        sorted_lengths, sorted_indices = sort(lengths, descending=True, stable=True)
    running = arange(int(sorted_lengths[0]) if batch else 0)[:, None] < sorted_lengths[None, :]
    time, column = nonzero(running, as_tuple=True)  # row-major: time-major, longest sequence first
    row = column if sorted_indices is None else sorted_indices[column]
    time, row = time.to(input.device), row.to(input.device)
    data = input[row, time] if batch_first else input[time, row]
    if sorted_indices is not None:
        sorted_indices = sorted_indices.to(input.device)
    return PackedSequence(data, running.sum(1), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo pack_padded_sequence: the padded batch and the lengths (int64, in the batch's original order)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.to("cpu", dt.int64)
    steps = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps = total_length
    padded_steps = cat([batch_sizes, zeros(steps - batch_sizes.shape[0], dtype=dt.int64)])
    batch = int(batch_sizes[0])
    column = arange(batch)[None, :]
    running = column < padded_steps[:, None]  # (steps, batch)
    first_row = cumsum(padded_steps, 0) - padded_steps
    pad_row = data.shape[0]
    source = where(running, first_row[:, None] + column, pad_row)
    lengths = running.sum(0)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices.to("cpu")
        source, lengths = source[:, unsorted], lengths[unsorted]
    if batch_first:
        source = source.t()
    padding = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    return cat([data, padding])[source.to(data.device)], lengths


def pad_sequence(
    sequences: list[Tensor] | tuple[Tensor, ...] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences ``(L_i, *)`` into one ``(T, B, *)`` (or ``(B, T, *)``) tensor, padded to the longest one."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not sequences:
        raise RuntimeError("pad_sequence(): received an empty list of sequences")
    trailing = sequences[0].shape[1:]
    for s in sequences:
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise RuntimeError(
                f"pad_sequence(): every sequence must have size (L, {', '.join(map(str, trailing))}) with the same "
                f"trailing dims, but got {list(sequences[0].shape)} and {list(s.shape)}"
            )
    lengths = tensor([s.shape[0] for s in sequences], dtype=dt.int64)[None, :]
    steps = int(lengths.max())
    time = arange(steps)[:, None]
    first_row = cumsum(lengths, 1) - lengths
    lead = steps - lengths if padding_side == "left" else 0 * lengths
    position = time - lead
    source = where((position >= 0) & (position < lengths), first_row + position, int(lengths.sum()))
    if batch_first:
        source = source.t()
    first = sequences[0]
    padding = full((1, *trailing), padding_value, dtype=first.dtype, device=first.device)
    return cat([*sequences, padding])[source.to(first.device)]


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """Undo pad_sequence: the list of unpadded sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences, _lengths_tensor(lengths).tolist())]


def pack_sequence(sequences: list[Tensor] | tuple[Tensor, ...], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (longest first unless enforce_sorted=False)."""
    lengths = tensor([s.shape[0] for s in sequences], dtype=dt.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo pack_sequence: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
