"""An unpickler for PyTorch checkpoints that cannot run code: every global is looked up in an allow-list.

A pickle names the functions it calls as globals (`GLOBAL module name`); `find_class` is the only way
a name becomes an object. Here it returns ember's own rebuild functions and a few harmless types,
exactly for the names PyTorch's `weights_only=True` loader accepts, and refuses every other name
before anything is called. The opcodes that mutate an object (BUILD, SETITEM(S), APPEND(S), ADDITEMS)
are limited to the containers a state dict holds, as PyTorch's loader limits them.
"""

from __future__ import annotations

import pickle
from collections import Counter, OrderedDict
from collections.abc import Callable

from .. import _dtype as dt
from .._device import device as Device
from .._size import Size
from .._tensor import Tensor, wrap
from .errors import Damaged
from .storages import strided_view
from .torch_names import (
    DTYPE_OF_NAME,
    DTYPE_OF_STORAGE,
    FOREIGN_DTYPES,
    FOREIGN_STORAGES,
    TENSOR_REBUILDERS,
)


class Refused(Exception):
    """The pickle names a global outside the allow-list (the message names it); nothing was called."""


class Unsupported(Exception):
    """PyTorch's safe loader would accept this, but ember has no such tensor (the message says what)."""


class StorageType:
    """What `torch.FloatStorage` (or `torch.UntypedStorage`) stands for: the dtype of a storage's elements."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: dt.dtype | None) -> None:
        self.name = name
        self.dtype = dtype


class TypedStorage:
    """A storage handed to the rebuild functions: a 1-d ember tensor (None while only sizes are read)."""

    __slots__ = ("tensor", "dtype")

    def __init__(self, tensor: Tensor | None, dtype: dt.dtype) -> None:
        self.tensor = tensor
        self.dtype = dtype


class _TypeMarker:
    """`torch.Tensor` or `torch.nn.Parameter` as a pickle names it (the type `_rebuild_from_type_v2` makes)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


TENSOR_TYPE = _TypeMarker("torch.Tensor")
PARAMETER_TYPE = _TypeMarker("torch.nn.parameter.Parameter")


class _ForeignDtype:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _storage_types() -> dict[str, StorageType]:
    types = {f"torch.{name}": StorageType(name, dtype) for name, dtype in DTYPE_OF_STORAGE.items()}
    types.update({f"torch.{name}": StorageType(name, None) for name in FOREIGN_STORAGES})
    for module in ("torch", "torch.storage"):
        types[f"{module}.UntypedStorage"] = StorageType("UntypedStorage", dt.uint8)
    return types


def _dtypes() -> dict[str, object]:
    found: dict[str, object] = {f"torch.{name}": _ForeignDtype(name) for name in FOREIGN_DTYPES}
    found.update({f"torch.{name}": dtype for name, dtype in DTYPE_OF_NAME.items()})
    return found


_STORAGE_TYPES = _storage_types()
_DTYPES = _dtypes()


class TorchUnpickler(pickle._Unpickler):  # the Python implementation: its opcode table can be narrowed
    """Unpickles one PyTorch `data.pkl` (or a legacy file's object) with storages from `storage(pid)`."""

    def __init__(
        self,
        stream,
        storage: Callable[[tuple], TypedStorage],
        parameter_type: Callable | None,
        place: Callable[[Tensor, str], Tensor],
    ) -> None:
        super().__init__(stream, encoding="utf-8")
        self._storage = storage
        self._parameter_type = parameter_type
        self._place = place
        self._globals = self._allowed_globals()

    # --- the only ways a pickle reaches objects --------------------------------------------------

    def find_class(self, module: str, name: str):
        if module == "__builtin__":
            module = "builtins"
        qualified = f"{module}.{name}"
        found = self._globals.get(qualified)
        if found is None:
            raise Refused(qualified)
        return found

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            kind = pid[0] if isinstance(pid, tuple) and pid else type(pid).__name__
            raise Unsupported(f"a persistent object of kind {kind!r} (PyTorch stores only storages this way)")
        return self._storage(pid)

    def _allowed_globals(self) -> dict[str, object]:
        allowed: dict[str, object] = {
            "collections.OrderedDict": _ordered_dict,
            "collections.Counter": _counter,
            "builtins.set": _set,
            "builtins.complex": complex,
            "builtins.bytearray": _bytearray,
            "_codecs.encode": _encode,
            "torch.Size": _size,
            "torch.device": _device,
            "torch.Tensor": TENSOR_TYPE,
            "torch.nn.parameter.Parameter": PARAMETER_TYPE,
            "torch.serialization._get_layout": _layout,
            "torch._tensor._rebuild_from_type_v2": self._rebuild_from_type_v2,
        }
        allowed.update(_STORAGE_TYPES)
        allowed.update(_DTYPES)
        for scheme in (
            "per_tensor_affine",
            "per_tensor_symmetric",
            "per_channel_affine",
            "per_channel_symmetric",
            "per_channel_affine_float_qparams",
        ):
            allowed[f"torch.{scheme}"] = scheme
        for name in TENSOR_REBUILDERS:
            allowed[f"torch._utils.{name}"] = getattr(self, name, None) or _unsupported_rebuilder(name)
        return allowed

    # --- ember's rebuild functions, called with the arguments PyTorch's writer stores ------------

    def _rebuild_tensor(self, storage, storage_offset, size, stride):
        return self._view(storage, storage_offset, size, stride, None)

    def _rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
        _no_metadata(metadata)
        return self._grad(self._view(storage, storage_offset, size, stride, None), requires_grad)

    def _rebuild_tensor_v3(
        self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None
    ):
        _no_metadata(metadata)
        return self._grad(self._view(storage, storage_offset, size, stride, _ember_dtype(dtype)), requires_grad)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks):
        if data is None:
            return None
        if not isinstance(data, Tensor) or type(requires_grad) is not bool:
            raise Damaged(f"a parameter is rebuilt from {type(data).__name__} and requires_grad={requires_grad!r}")
        data = data.detach()
        if self._parameter_type is not None:
            return self._parameter_type(data, requires_grad=requires_grad)
        return self._grad(data, requires_grad)

    def _rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        _no_state(state, "a parameter")
        return self._rebuild_parameter(data, requires_grad, backward_hooks)

    def _rebuild_device_tensor_from_cpu_tensor(self, data, dtype, device, requires_grad):
        if data is None:
            return None
        if not isinstance(data, Tensor):
            raise Damaged(f"a device tensor is rebuilt from {type(data).__name__}")
        moved = self._place(data.to(_ember_dtype(dtype)), str(_device_or_name(device)))
        return self._grad(moved, requires_grad)

    def _rebuild_from_type_v2(self, func, new_type, args, state):
        if not callable(func) or not isinstance(args, tuple):
            raise Damaged("_rebuild_from_type_v2 is given no rebuild function and arguments")
        if new_type is not TENSOR_TYPE and new_type is not PARAMETER_TYPE:
            raise Damaged(f"_rebuild_from_type_v2 is asked for the type {new_type!r}")
        _no_state(state, "a tensor")
        made = func(*args)
        if new_type is PARAMETER_TYPE and made is not None and not _is_parameter_like(made, self._parameter_type):
            return self._rebuild_parameter(made, made.requires_grad, None)
        return made

    # --- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _view(storage, offset, size, stride, dtype: dt.dtype | None):
        if not isinstance(storage, TypedStorage):
            raise Damaged(f"a tensor is rebuilt from a {type(storage).__name__}, not a storage")
        if storage.tensor is None:
            return None  # reading sizes only (a legacy file's first pass)
        dtype = dtype or storage.dtype
        offset, size, stride = _int(offset), _ints(size), _ints(stride)
        itemsize = dtype.itemsize
        base = storage.tensor
        view = strided_view(base, dtype, offset * itemsize, size, tuple(s * itemsize for s in stride))
        return wrap(view, base._backend, dtype, base.device)

    @staticmethod
    def _grad(t, requires_grad):
        if t is None:
            return None
        if type(requires_grad) is not bool:
            raise Damaged(f"requires_grad must be a bool, not {requires_grad!r}")
        if requires_grad:
            t.requires_grad_(True)
        return t

    # --- opcodes that mutate objects: only on the containers a checkpoint holds ----------------------

    def _target_after_mark(self):
        return self.metastack[-1][-1] if self.metastack and self.metastack[-1] else None

    def _load_build(self):
        inst = self.stack[-2] if len(self.stack) >= 2 else None
        state = self.stack[-1] if self.stack else None
        if (
            not isinstance(inst, OrderedDict)
            or not isinstance(state, dict)
            or not all(isinstance(k, str) for k in state)
        ):
            raise Unsupported(f"setting the state of a {type(inst).__name__} (BUILD); PyTorch allows it on OrderedDict")
        self.stack.pop()
        inst.__dict__.update(state)

    def _guard(opcode: bytes, allowed: type, where: Callable):  # noqa: N805 (a helper run while building the class)
        original = pickle._Unpickler.dispatch[opcode[0]]

        def guarded(self):
            target = where(self)
            if not isinstance(target, allowed):
                raise Unsupported(f"adding items to a {type(target).__name__} (only containers take items)")
            original(self)

        return guarded

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = _load_build
    dispatch[pickle.SETITEM[0]] = _guard(
        pickle.SETITEM, dict, lambda self: self.stack[-3] if len(self.stack) > 2 else None
    )
    dispatch[pickle.SETITEMS[0]] = _guard(pickle.SETITEMS, dict, _target_after_mark)
    dispatch[pickle.APPEND[0]] = _guard(
        pickle.APPEND, list, lambda self: self.stack[-2] if len(self.stack) > 1 else None
    )
    dispatch[pickle.APPENDS[0]] = _guard(pickle.APPENDS, list, _target_after_mark)
    dispatch[pickle.ADDITEMS[0]] = _guard(pickle.ADDITEMS, set, _target_after_mark)
    del _guard


def _unsupported_rebuilder(name: str):
    what = {
        "_rebuild_qtensor": "a quantized tensor",
        "_rebuild_sparse_tensor": "a sparse tensor",
        "_rebuild_meta_tensor_no_storage": "a tensor on the meta device",
        "_rebuild_nested_tensor": "a nested tensor",
        "_rebuild_wrapper_subclass": "a tensor subclass",
        "_rebuild_device_tensor_from_numpy": "a tensor pickled as a NumPy array",
    }[name]

    def unsupported(*args, **kwargs):
        raise Unsupported(f"{what} (torch._utils.{name}), which ember has no equivalent for")

    return unsupported


def _is_parameter_like(t, parameter_type) -> bool:
    return parameter_type is not None and isinstance(t, parameter_type)


def _no_metadata(metadata) -> None:
    if metadata:
        raise Unsupported(f"a tensor with conjugate or negative bits set ({metadata!r})")


def _no_state(state, what: str) -> None:
    if state is None:
        return
    if isinstance(state, tuple):  # (dict state, slots state)
        if all(not part for part in state):
            return
    elif isinstance(state, dict) and not state:
        return
    raise Unsupported(f"{what} with Python attributes ({state!r})")


def _int(value) -> int:
    if type(value) is not int:
        raise Damaged(f"expected an integer, found {value!r}")
    return value


def _ints(values) -> tuple:
    if not isinstance(values, (tuple, list)):
        raise Damaged(f"expected a tuple of integers, found {values!r}")
    return tuple(_int(v) for v in values)


def _ember_dtype(value) -> dt.dtype:
    if isinstance(value, dt.dtype):
        return value
    if isinstance(value, _ForeignDtype):
        raise Unsupported(f"a tensor of dtype torch.{value.name}, which ember has no dtype for")
    raise Damaged(f"expected a dtype, found {value!r}")


def _size(values=()):
    return Size(_ints(values))


def _device(kind, index=None):
    if not isinstance(kind, str) or not (index is None or type(index) is int):
        raise Damaged(f"torch.device is given {kind!r}, {index!r}")
    return Device(kind if index is None else f"{kind}:{index}")


def _device_or_name(value) -> object:
    if isinstance(value, (Device, str)):
        return value
    raise Damaged(f"expected a device, found {value!r}")


def _layout(name):
    if name != "torch.strided":
        raise Unsupported(f"a tensor of layout {name!r} (ember tensors are strided)")
    return name


def _plain(items, kinds: tuple, what: str):
    """items, if it is one of the plain containers pickle passes to `what` (never a tensor to iterate)."""
    if not isinstance(items, kinds):
        raise Damaged(f"{what} is built from a {type(items).__name__}")
    return items


def _ordered_dict(items=()):
    return OrderedDict(_plain(items, (list, tuple, dict), "an OrderedDict"))


def _counter(items=None):
    return Counter(_plain(items if items is not None else {}, (dict,), "a Counter"))


def _set(items=()):
    return set(_plain(items, (list, tuple), "a set"))


def _bytearray(data=b""):
    if not isinstance(data, (bytes, bytearray)):
        raise Damaged(f"bytearray is given a {type(data).__name__}, not bytes")
    return bytearray(data)


def _encode(text, encoding="utf-8"):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise Damaged(f"_codecs.encode is given {type(text).__name__} and {encoding!r}")
    return text.encode(encoding)
