"""Loads a compiled model (.so) and runs it on numpy arrays, through the C
ABI that the library exports (onnx_mlc/include/ModelABI.h)."""

import ctypes
import os
import threading
import weakref
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import dtypes
from .errors import InputError, OnnxMlcError

# The version of the C ABI this runtime speaks (MLC_ABI_VERSION).
ABI_VERSION = 3


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32)]


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of a compiled model. `shape` has None where the
    size is known only at run time; `dim_names` the ONNX dim_param of each
    dimension ("" where there is none)."""
    name: str
    dtype: np.dtype
    shape: Tuple[Optional[int], ...]
    onnx_dtype: int
    dim_names: Tuple[str, ...] = ()

    @property
    def is_static(self):
        return all(s is not None for s in self.shape)


def _new_array(shape, dtype, name):
    """An uninitialized output array, or OnnxMlcError if numpy cannot make it
    (out of memory, or sizes whose product overflows numpy's index type
    even when one of them is 0)."""
    try:
        return np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError) as e:
        raise OnnxMlcError(f"cannot allocate output '{name}' of shape {list(shape)} ({dtype}): "
                           f"{e}") from None


class CompiledModel:
    """A compiled model: call it with numpy arrays, positionally or by input
    name, to get the list of outputs. Safe to call from several threads."""

    def __init__(self, library_path, prefix="mlc", _owner=None):
        try:
            self._lib = ctypes.CDLL(os.path.abspath(library_path))
        except OSError as e:
            raise OnnxMlcError(f"cannot load compiled model {library_path}: {e}") from None
        self.library_path = str(library_path)
        self._owner = _owner  # keeps a temporary directory alive
        self.report = None  # the compile report, when compile() made one
        fn = lambda suffix, res, args: self._bind(f"{prefix}_{suffix}", res, args)  # noqa: E731
        version = fn("abi_version", ctypes.c_int32, [])()
        if version != ABI_VERSION:
            raise OnnxMlcError(f"{library_path} speaks C ABI version {version}, this runtime "
                               f"version {ABI_VERSION}: recompile the model")
        self._run = fn("run", ctypes.c_int32, [ctypes.POINTER(_Tensor), ctypes.c_int64,
                                               ctypes.POINTER(_Tensor), ctypes.c_int64])
        self._free = fn("free", None, [ctypes.c_void_p])
        self._message = fn("status_message", ctypes.c_char_p, [ctypes.c_int32])
        self._set_threads = fn("set_num_threads", None, [ctypes.c_int32])
        self._num_threads = fn("num_threads", ctypes.c_int32, [])
        # Bytes of intermediate buffers, kept by the library between calls.
        self.workspace_size = fn("workspace_size", ctypes.c_int64, [])()
        self.inputs = self._signature(fn, "input")
        self.outputs = self._signature(fn, "output")
        self._input_index = {t.name: i for i, t in enumerate(self.inputs)}
        self._per_thread = threading.local()  # see _descriptors
        self._has_dim_names = [any(t.dim_names) for t in self.inputs]
        self._static_outputs = [t.shape if t.is_static else None for t in self.outputs]
        # Profile builds export counters; see onnx_mlc/profile.py.
        self.profile = None
        if hasattr(self._lib, f"{prefix}_profile_size"):
            from .profile import Profile

            self.profile = Profile(self._lib, prefix)

    @property
    def threads(self):
        """The threads the model's loops run on (the caller's included)."""
        return self._num_threads()

    def set_threads(self, n):
        """Runs the model's loops on `n` threads, the caller's included;
        None or 0 for the default: MLC_NUM_THREADS, else the CPUs this
        process may run on. The setting belongs to the loaded library, so
        it applies to every CompiledModel of the same file."""
        if n is None:
            n = 0
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise OnnxMlcError(f"threads must be a non-negative integer or None, not {n!r}")
        self._set_threads(min(n, 1 << 30))

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
        i32 = ctypes.c_int32
        count = fn(f"num_{kind}s", i32, [])()
        name = fn(f"{kind}_name", ctypes.c_char_p, [i32])
        dtype = fn(f"{kind}_dtype", i32, [i32])
        rank = fn(f"{kind}_rank", i32, [i32])
        shape = fn(f"{kind}_shape", ctypes.POINTER(ctypes.c_int64), [i32])
        dim_name = fn(f"{kind}_dim_name", ctypes.c_char_p, [i32, i32])
        infos = []
        for i in range(count):
            dims, r = shape(i), rank(i)
            sizes = tuple(None if dims[d] < 0 else dims[d] for d in range(r))
            names = tuple(dim_name(i, d).decode() for d in range(r))
            infos.append(TensorInfo(name(i).decode(), dtypes.numpy_dtype(dtype(i)), sizes,
                                    dtype(i), names))
        return infos

    def __repr__(self):
        def dims(t):
            return [s if s is not None else (n or "?") for s, n in zip(t.shape, t.dim_names)]
        sig = lambda ts: ", ".join(f"{t.name}: {t.dtype}{dims(t)}" for t in ts)  # noqa: E731
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
        checked, named = [], {}
        for info, a, has_names in zip(self.inputs, arrays, self._has_dim_names):
            a = np.asarray(a)
            if a.dtype != info.dtype:
                raise InputError(f"input '{info.name}' must have dtype {info.dtype}, got {a.dtype}")
            if a.shape != info.shape and (a.ndim != len(info.shape) or any(
                    want is not None and got != want for got, want in zip(a.shape, info.shape))):
                want = [s if s is not None else (n or "?") for s, n in zip(info.shape, info.dim_names)]
                raise InputError(f"input '{info.name}' must have shape {want}, got {list(a.shape)}")
            for size, dim in zip(a.shape, info.dim_names) if has_names else ():
                if dim and named.setdefault(dim, (size, info.name))[0] != size:
                    first, where = named[dim]
                    raise InputError(f"dimension '{dim}' is {first} in input '{where}' but {size} "
                                     f"in input '{info.name}'")
            # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
            checked.append(a if a.flags.c_contiguous else a.copy(order="C"))
        return checked

    def _descriptors(self):
        """This thread's descriptors and their shape arrays, made at its
        first call (ranks are fixed by the signature) and refilled by each."""
        made = getattr(self._per_thread, "descriptors", None)
        if made is None:
            def make(infos):
                descs = (_Tensor * max(len(infos), 1))()
                shapes = [(ctypes.c_int64 * max(len(t.shape), 1))() for t in infos]
                for d, shape, t in zip(descs, shapes, infos):
                    d.shape, d.dtype, d.rank = shape, t.onnx_dtype, len(t.shape)
                return descs, shapes
            made = self._per_thread.descriptors = make(self.inputs) + make(self.outputs)
        return made

    def __call__(self, *args, **kwargs):
        inputs = self._arrange(args, kwargs)
        in_descs, in_shapes, out_descs, out_shapes = self._descriptors()
        for d, shape, a in zip(in_descs, in_shapes, inputs):
            shape[:a.ndim] = a.shape
            # A 0-element array may have no buffer of its own; any valid
            # address will do, nothing is read.
            d.data = a.ctypes.data or ctypes.addressof(shape)
        results, given = [], []
        for d, shape, info, static in zip(out_descs, out_shapes, self.outputs, self._static_outputs):
            if static is None:
                address = None  # allocated by the library
                results.append(None)
            else:
                array = _new_array(static, info.dtype, info.name)
                results.append(array)
                shape[:len(static)] = static
                address = array.ctypes.data if array.size else None
            d.data = address
            given.append(address)
        if self.profile:
            code = self.profile.timed(
                lambda: self._run(in_descs, len(inputs), out_descs, len(self.outputs)))
        else:
            code = self._run(in_descs, len(inputs), out_descs, len(self.outputs))
        if code != 0:
            raise InputError(f"the compiled model rejected its inputs: "
                             f"{self._message(code).decode()} (status {code})")
        for i, (d, info, address) in enumerate(zip(out_descs, self.outputs, given)):
            if results[i] is None or (d.data and d.data != address):  # the library's buffer
                shape = tuple(d.shape[k] for k in range(d.rank))
                results[i] = self._take(d.data, shape, info.dtype, info.name)
        return results

    def _take(self, address, shape, dtype, name):
        """A numpy array over a buffer the library allocated, freed with it."""
        count = int(np.prod(shape, dtype=np.int64))
        if not address:
            return _new_array(shape, dtype, name)
        buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(address)
        weakref.finalize(buffer, self._free, address)
        return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)
