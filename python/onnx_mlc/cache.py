"""The compile cache: compile() keeps each library it builds under the user
cache directory, keyed by the model, the options and the compiler, so that
compiling the same model again only loads it.

The directory is $ONNX_MLC_CACHE_DIR, else $XDG_CACHE_HOME/onnx_mlc, else
~/.cache/onnx_mlc. ONNX_MLC_CACHE=0 (or compile(..., cache=False)) turns the
cache off. Entries are never stale: any change to the model's bytes, its
external data files, the options or the installed compiler changes the key.
"""

import hashlib
import os
import tempfile

import onnx

from .importer import load_model


def enabled():
    return os.environ.get("ONNX_MLC_CACHE", "1") not in ("0", "false", "no", "off")


def directory():
    explicit = os.environ.get("ONNX_MLC_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "onnx_mlc")


def _compiler_identity():
    """What identifies the installed compiler: every file of the package
    (Python sources and native libraries), by name, size and mtime."""
    root = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        if "__pycache__" in folder:
            continue
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            h.update(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:"
                     f"{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


_IDENTITY = None


def key(model, options):
    """The cache key of compiling `model` (path, bytes or ModelProto) with
    `options`, or None if the model cannot be read (compile() then reports
    why)."""
    global _IDENTITY
    if _IDENTITY is None:
        _IDENTITY = _compiler_identity()
    h = hashlib.sha256(_IDENTITY.encode())
    h.update(repr(sorted(vars(options).items())).encode())
    if isinstance(model, onnx.ModelProto):
        h.update(model.SerializeToString())
    elif isinstance(model, (bytes, bytearray)):
        h.update(bytes(model))
    elif isinstance(model, (str, os.PathLike)) and os.path.isfile(model):
        with open(model, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        # External data files: by name, size and mtime (hashing gigabytes of
        # weights would cost more than it saves).
        try:
            proto, data_dir = load_model(model)
        except Exception:
            return None
        locations = sorted({e.value for t in proto.graph.initializer for e in t.external_data
                            if e.key == "location"})
        for location in locations:
            path = os.path.join(data_dir, location)
            if os.path.isfile(path):
                st = os.stat(path)
                h.update(f"{location}:{st.st_size}:{st.st_mtime_ns}".encode())
    else:
        return None
    return h.hexdigest()[:32]


def lookup(k):
    path = os.path.join(directory(), f"{k}.so")
    return path if os.path.isfile(path) else None


def store(k, library):
    """Copies a built library into the cache (atomically) and returns its
    path there."""
    folder = directory()
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as out, open(library, "rb") as src:
        out.write(src.read())
    final = os.path.join(folder, f"{k}.so")
    os.replace(tmp, final)
    return final
