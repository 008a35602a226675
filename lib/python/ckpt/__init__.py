# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Read and write TensorFlow checkpoints without TensorFlow.

``ckpt`` is the Python face of the ckpt C++ library: it reads TensorFlow's
checkpoint format (TensorBundle V2 and the object graph) byte for byte, with
every checksum verified, and writes bundles TensorFlow reads. Its reader has
the API of ``tf.train.load_checkpoint``'s ``CheckpointReader``, so code that
converts TensorFlow weights keeps working with TensorFlow uninstalled.

Example::

    import ckpt
    reader = ckpt.load_checkpoint("/tmp/model")      # dir, prefix, .index...
    for name, shape in ckpt.list_variables("/tmp/model"):
        print(name, shape)
    kernel = reader.get_tensor("net/layer/kernel/.ATTRIBUTES/VARIABLE_VALUE")
    ckpt.save("/tmp/out/weights", {"kernel": kernel})

The guide is docs/python.md; errors are the classes of :mod:`ckpt.errors`.
"""

import numpy as _np

from . import _ckpt
from .errors import *  # noqa: F401,F403  (the exception classes)
from .errors import __all__ as _errors_all

__version__ = _ckpt.__version__

__all__ = [
    "CheckpointReader", "load_checkpoint", "list_variables", "load_variable",
    "save", "object_graph", "restore_map", "export_checkpoint",
    "import_checkpoint",
] + list(_errors_all)


class CheckpointReader:
    """A checkpoint opened for reading (see :func:`load_checkpoint`).

    Only the index is read when it is opened; each ``get_tensor`` reads and
    verifies one tensor. Usable as a context manager; ``close()`` releases
    the files (arrays returned with ``mmap=True`` stay valid).
    """

    def __init__(self, impl):
        self._impl = impl

    @property
    def prefix(self):
        """The bundle prefix the path resolved to."""
        return self._impl.prefix

    def get_tensor(self, key):
        """The value stored under ``key`` as a numpy array (a numpy scalar,
        or ``bytes``, for a 0-d tensor). Raises :class:`NotFoundError` for a
        missing key and :class:`DataLossError` for corrupt bytes."""
        return self._impl.get_tensor(key)

    def has_tensor(self, key):
        """Whether the checkpoint stores a tensor under ``key``."""
        return self._impl.has_tensor(key)

    def get_variable_to_shape_map(self):
        """``{key: [dims]}`` for every tensor (as TensorFlow's reader)."""
        return {key: shape for key, _, shape in self._impl.list()}

    def get_variable_to_dtype_map(self):
        """``{key: dtype name}``, names as numpy and TensorFlow spell them:
        ``"float32"``, ``"bfloat16"``, ``"string"``, ``"variant"``..."""
        return {key: dtype for key, dtype, _ in self._impl.list()}

    def keys(self):
        """Every tensor's key, sorted."""
        return [key for key, _, _ in self._impl.list()]

    def __contains__(self, key):
        return self._impl.has_tensor(key)

    def close(self):
        """Closes the files; later calls raise FailedPreconditionError."""
        self._impl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<ckpt.CheckpointReader %r%s>" % (
            self._impl.prefix, " mmap" if self._impl.mmap else "")


def load_checkpoint(ckpt_dir_or_file, mmap=False):
    """Opens a checkpoint, like ``tf.train.load_checkpoint``.

    ``ckpt_dir_or_file`` is anything the ``ckpt`` CLI accepts: a prefix, its
    ``.index`` or data file, a ``checkpoint`` state file, or a directory
    (its state file's latest checkpoint, or its only bundle). With
    ``mmap=True`` fixed-size tensors are returned as read-only, zero-copy
    views of the memory-mapped data files.
    """
    return CheckpointReader(_ckpt._open(_path(ckpt_dir_or_file), mmap))


def list_variables(ckpt_dir_or_file):
    """``[(name, shape), ...]`` sorted by name, like
    ``tf.train.list_variables``."""
    reader = _ckpt._open(_path(ckpt_dir_or_file), False)
    try:
        return [(key, shape) for key, _, shape in reader.list()]
    finally:
        reader.close()


def load_variable(ckpt_dir_or_file, name):
    """The value of one tensor, like ``tf.train.load_variable`` (a trailing
    ``":0"`` is dropped from ``name``)."""
    if name.endswith(":0"):
        name = name[:-2]
    reader = _ckpt._open(_path(ckpt_dir_or_file), False)
    try:
        return reader.get_tensor(name)
    finally:
        reader.close()


def save(prefix, tensors, compression="none"):
    """Writes ``{key: array}`` as a TensorFlow bundle at ``prefix``
    (``prefix.index`` and ``prefix.data-00000-of-00001``); returns the number
    of tensors written.

    Values are anything ``numpy.asarray`` accepts: numeric, bool and complex
    arrays, ml_dtypes' bfloat16/float8/int4 arrays, and bytes, str or object
    arrays of bytes/str (string tensors; str is written as UTF-8; the
    elements of a numpy 'S' array lose trailing NUL bytes, as numpy's own
    element access does, while Python bytes keep them). Arrays
    are written as they are in memory, without a copy where they are
    C-contiguous. ``compression`` is ``"none"`` (TensorFlow's format) or
    ``"lz4"`` (ckpt's extension, which TensorFlow does not read). The files
    appear atomically: a failed save leaves no partial bundle.
    """
    items = []
    pairs = tensors.items() if hasattr(tensors, "items") else tensors
    for key, value in pairs:
        if not isinstance(key, (str, bytes)):
            raise TypeError("ckpt.save: keys must be str or bytes, not %s" %
                            type(key).__name__)
        array = _np.asarray(value)
        if array.dtype.kind == "S" and not isinstance(value, _np.ndarray):
            # bytes (or lists of them) given as Python objects keep their
            # trailing NUL bytes, which numpy's 'S' dtype would drop.
            array = _np.array(value, dtype=object)
        if array.dtype.kind not in "SUO" and not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        if not array.flags.c_contiguous:  # (ascontiguousarray makes 0-d 1-d)
            array = array.copy(order="C")
        items.append((key, array))
    return _ckpt._save(_path(prefix), items, compression)


def object_graph(ckpt_dir_or_file):
    """The object graph as plain data: one dict per node, in id order::

        {"id": 1, "path": "net", "children": [{"name": "layer", "id": 4}],
         "attributes": [{"name": "VARIABLE_VALUE", "full_name": "...",
                         "key": "...", "dtype": "float32", "shape": [7, 64]}],
         "slots": [{"slot_name": "m", "original_id": 9,
                             "slot_id": 20}]}

    Raises FailedPreconditionError for a TF1 (name-based) checkpoint.
    """
    reader = _ckpt._open(_path(ckpt_dir_or_file), False)
    try:
        return _ckpt._object_graph(reader)
    finally:
        reader.close()


def restore_map(ckpt_dir_or_file, mmap=False):
    """``{object path: value}`` for every variable of an object-based
    checkpoint, named by structure as ``ckpt tree`` shows it:
    ``"net/layer_with_weights-0/kernel"``, slot variables as
    ``"<variable>/.OPTIMIZER_SLOT/<optimizer>/<slot>"``, attributes other than
    a variable's value as ``"<path>/.ATTRIBUTES/<name>"``."""
    reader = _ckpt._open(_path(ckpt_dir_or_file), mmap)
    try:
        return _ckpt._restore_map(reader)
    finally:
        reader.close()


def export_checkpoint(ckpt_dir_or_file, dst, format=None, key_map=(),
                      drop_optimizer=False, shard_size=0):
    """Writes a checkpoint as safetensors or numpy .npz, like ``ckpt
    export`` (docs/cli.md, "export and import"): every tensor's dtype, shape
    and bytes kept, streamed one tensor at a time, ``dst`` appearing only
    once complete.

    ``format`` is ``"safetensors"`` or ``"npz"`` (default: from ``dst``'s
    suffix); ``key_map`` a sequence of ``"REGEX=REPLACEMENT"`` rules applied
    in order; ``drop_optimizer`` leaves out slot variables and optimizer
    state; ``shard_size`` (bytes, safetensors) writes
    ``<base>-00001-of-0000N.safetensors`` shards and
    ``<base>.safetensors.index.json`` above that size. Returns ``{"tensors",
    "dropped", "bytes", "object_graph", "files"}``.
    """
    import os
    name = os.fsdecode(dst)
    if format is None:
        if name.endswith(".npz"):
            format = "npz"
        elif name.endswith(".safetensors"):
            format = "safetensors"
        else:
            raise InvalidArgumentError(  # noqa: F405
                "cannot tell the format from %r; pass format='safetensors' "
                "or 'npz'" % name)
    shard_size = int(shard_size)
    if shard_size < 0:
        raise InvalidArgumentError(  # noqa: F405
            "shard_size must be >= 0, not %d" % shard_size)
    if shard_size and format != "safetensors":
        raise InvalidArgumentError(  # noqa: F405
            "shard_size applies to safetensors only")
    return _bridge("_export")(_path(ckpt_dir_or_file), _path(dst), format,
                              list(key_map), bool(drop_optimizer), shard_size)


def import_checkpoint(src, prefix, key_map=()):
    """Writes a .safetensors file, a .safetensors.index.json (with its
    shards) or an .npz as a TensorFlow checkpoint at ``prefix``, like ``ckpt
    import``: untrusted input checked, the object graph restored when it was
    carried. Returns ``{"tensors", "bytes", "object_graph"}``."""
    return _bridge("_import")(_path(src), _path(prefix), list(key_map))


def _bridge(name):
    fn = getattr(_ckpt, name, None)
    if fn is None:
        raise UnimplementedError(  # noqa: F405
            "this ckpt was built without the bridges component "
            "(CKPT_BRIDGES needs nlohmann-json and zlib)")
    return fn


def _path(p):
    # bytes, so that any file name (also one Python decoded with
    # surrogateescape) reaches the file system unchanged.
    import os
    return os.fsencode(p)
