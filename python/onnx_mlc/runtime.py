"""Loads a compiled model (.so) and runs it on numpy arrays, through the C
ABI that the library exports (see the generated header)."""

import ctypes
from dataclasses import dataclass

import numpy as np

from . import dtypes
from .errors import InputError, OnnxMlcError


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32)]


_ERRORS = {1: "wrong number of inputs", 2: "wrong number of outputs", 3: "null pointer",
           4: "wrong dtype", 5: "wrong rank", 6: "wrong shape"}


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of a compiled model."""
    name: str
    dtype: np.dtype
    shape: tuple
    onnx_dtype: int


class CompiledModel:
    """A compiled model: call it with numpy arrays, positionally or by input
    name, to get the list of outputs. Safe to call from several threads."""

    def __init__(self, library_path, prefix="mlc", _owner=None):
        try:
            self._lib = ctypes.CDLL(str(library_path))
        except OSError as e:
            raise OnnxMlcError(f"cannot load compiled model {library_path}: {e}") from None
        self.library_path = str(library_path)
        self._owner = _owner  # keeps a temporary directory alive
        fn = lambda suffix, res, args: self._bind(f"{prefix}_{suffix}", res, args)  # noqa: E731
        self._run = fn("run", ctypes.c_int32, [ctypes.POINTER(_Tensor), ctypes.c_int64,
                                               ctypes.POINTER(_Tensor), ctypes.c_int64])
        self.inputs = self._signature(fn, "input")
        self.outputs = self._signature(fn, "output")
        self._input_index = {t.name: i for i, t in enumerate(self.inputs)}

    def _bind(self, symbol, restype, argtypes):
        try:
            f = getattr(self._lib, symbol)
        except AttributeError:
            raise OnnxMlcError(f"{self.library_path} does not export {symbol}: "
                               "not an onnx-mlc model, or built with another prefix") from None
        f.restype, f.argtypes = restype, argtypes
        return f

    @staticmethod
    def _signature(fn, kind):
        i32, p = ctypes.c_int32, ctypes.c_void_p
        count = fn(f"num_{kind}s", i32, [])()
        name = fn(f"{kind}_name", ctypes.c_char_p, [i32])
        dtype = fn(f"{kind}_dtype", i32, [i32])
        rank = fn(f"{kind}_rank", i32, [i32])
        shape = fn(f"{kind}_shape", ctypes.POINTER(ctypes.c_int64), [i32])
        infos = []
        for i in range(count):
            dims = shape(i)
            infos.append(TensorInfo(name(i).decode(), dtypes.numpy_dtype(dtype(i)),
                                    tuple(dims[d] for d in range(rank(i))), dtype(i)))
        return infos

    def __repr__(self):
        sig = lambda ts: ", ".join(f"{t.name}: {t.dtype}{list(t.shape)}" for t in ts)  # noqa: E731
        return f"<CompiledModel ({sig(self.inputs)}) -> ({sig(self.outputs)})>"

    def _arrange(self, args, kwargs):
        n = len(self.inputs)
        if len(args) > n:
            raise InputError(f"the model takes {n} input(s), got {len(args)} positional arguments")
        arrays = list(args) + [None] * (n - len(args))
        for key, value in kwargs.items():
            if key not in self._input_index:
                raise InputError(f"the model has no input named '{key}'; inputs are "
                                 + ", ".join(repr(t.name) for t in self.inputs))
            i = self._input_index[key]
            if arrays[i] is not None:
                raise InputError(f"input '{key}' given twice")
            arrays[i] = value
        missing = [self.inputs[i].name for i, a in enumerate(arrays) if a is None]
        if missing:
            raise InputError(f"missing input(s): {', '.join(missing)}")
        checked = []
        for info, a in zip(self.inputs, arrays):
            a = np.asarray(a)
            if a.dtype != info.dtype:
                raise InputError(f"input '{info.name}' must have dtype {info.dtype}, got {a.dtype}")
            if tuple(a.shape) != info.shape:
                raise InputError(f"input '{info.name}' must have shape {list(info.shape)}, "
                                 f"got {list(a.shape)}")
            # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
            checked.append(a if a.flags.c_contiguous else a.copy(order="C"))
        return checked

    @staticmethod
    def _descriptors(arrays, infos):
        descs = (_Tensor * max(len(arrays), 1))()
        shapes = []
        for d, a, info in zip(descs, arrays, infos):
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            shapes.append(shape)
            d.data = a.ctypes.data
            d.shape = shape
            d.dtype = info.onnx_dtype
            d.rank = a.ndim
        return descs, shapes

    def __call__(self, *args, **kwargs):
        inputs = self._arrange(args, kwargs)
        outputs = [np.empty(t.shape, dtype=t.dtype) for t in self.outputs]
        in_descs, in_shapes = self._descriptors(inputs, self.inputs)
        out_descs, out_shapes = self._descriptors(outputs, self.outputs)
        code = self._run(in_descs, len(inputs), out_descs, len(outputs))
        if code != 0:
            raise InputError(f"the compiled model rejected its arguments: "
                             f"{_ERRORS.get(code, f'error {code}')}")
        return outputs
