"""The names PyTorch's pickles use for storages and dtypes, and which of them ember can hold.

A PyTorch checkpoint names a storage's type (`torch.FloatStorage`, or `torch.UntypedStorage` with the
dtype given to `_rebuild_tensor_v3`) and dtypes (`torch.float32`) as pickle globals. These tables are
the one place those names live: reading refuses a name it does not know, writing emits only these.
"""

from __future__ import annotations

from .. import _dtype as dt

#: torch's legacy typed-storage classes, by the ember dtype of their elements.
STORAGE_OF_DTYPE: dict[dt.dtype, str] = {
    dt.float64: "DoubleStorage",
    dt.float32: "FloatStorage",
    dt.float16: "HalfStorage",
    dt.bfloat16: "BFloat16Storage",
    dt.int64: "LongStorage",
    dt.int32: "IntStorage",
    dt.int16: "ShortStorage",
    dt.int8: "CharStorage",
    dt.uint8: "ByteStorage",
    dt.bool_: "BoolStorage",
    dt.complex64: "ComplexFloatStorage",
    dt.complex128: "ComplexDoubleStorage",
}
DTYPE_OF_STORAGE: dict[str, dt.dtype] = {name: dtype for dtype, name in STORAGE_OF_DTYPE.items()}

#: Storage types and dtypes PyTorch's `weights_only` loader accepts but ember has no dtype for.
FOREIGN_STORAGES = (
    "QUInt8Storage",
    "QInt8Storage",
    "QInt32Storage",
    "QUInt4x2Storage",
    "QUInt2x4Storage",
)
FOREIGN_DTYPES = (
    "complex32",
    "uint16",
    "uint32",
    "uint64",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bits16",
    *(f"int{n}" for n in range(1, 8)),
    *(f"uint{n}" for n in range(1, 8)),
)

#: torch dtype names ember reads as its own dtypes (PyTorch's names and aliases).
DTYPE_OF_NAME: dict[str, dt.dtype] = {
    "float64": dt.float64,
    "double": dt.float64,
    "float32": dt.float32,
    "float": dt.float32,
    "float16": dt.float16,
    "half": dt.float16,
    "bfloat16": dt.bfloat16,
    "int64": dt.int64,
    "long": dt.int64,
    "int32": dt.int32,
    "int": dt.int32,
    "int16": dt.int16,
    "short": dt.int16,
    "int8": dt.int8,
    "uint8": dt.uint8,
    "bool": dt.bool_,
    "complex64": dt.complex64,
    "cfloat": dt.complex64,
    "complex128": dt.complex128,
    "cdouble": dt.complex128,
}

#: The functions in `torch._utils` that PyTorch's `weights_only` loader allows, which rebuild tensors.
TENSOR_REBUILDERS = (
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_qtensor",
    "_rebuild_sparse_tensor",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor",
    "_rebuild_wrapper_subclass",
)
