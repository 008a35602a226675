# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by the ckpt module.

Every failure of the C++ library is an ``absl::Status``; the module raises it
as the subclass of :class:`Error` named after its code (the codes and their
numbers are TensorFlow's and Abseil's, so ``DataLossError`` here is what
``tf.errors.DataLossError`` is to TensorFlow). The message is the library's,
naming the file, the key and the offending value (docs/errors.md).

Some classes also derive from the built-in exception a Python caller would
catch for that kind of failure: ``InvalidArgumentError`` is a ``ValueError``,
``NotFoundError`` a ``LookupError``, ``UnimplementedError`` a
``NotImplementedError``, ``ResourceExhaustedError`` a ``MemoryError``.

Example::

    try:
        ckpt.load_checkpoint("/tmp/model").get_tensor("w")
    except ckpt.NotFoundError as e:
        print(e.code, e.code_name, e.message)
"""

import warnings as _warnings

__all__ = [
    "Error", "CancelledError", "UnknownError", "InvalidArgumentError",
    "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError",
    "UnimplementedError", "InternalError", "UnavailableError",
    "DataLossError", "UnauthenticatedError", "DtypeWarning",
]


class Error(Exception):
    """A failed ckpt operation. ``code`` is the status code's number,
    ``code_name`` its name (``"DATA_LOSS"``), ``message`` the message."""

    code = 2
    code_name = "UNKNOWN"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None and code != type(self).code:
            self.code = code


def _define(name, code, code_name, *bases):
    cls = type(name, (Error,) + bases, {
        "code": code,
        "code_name": code_name,
        "__doc__": "Status code %s (%d)." % (code_name, code),
        "__module__": __name__,
    })
    globals()[name] = cls
    return cls


_BY_CODE = {}
for _name, _code, _code_name, _bases in (
        ("CancelledError", 1, "CANCELLED", ()),
        ("UnknownError", 2, "UNKNOWN", ()),
        ("InvalidArgumentError", 3, "INVALID_ARGUMENT", (ValueError,)),
        ("DeadlineExceededError", 4, "DEADLINE_EXCEEDED", ()),
        ("NotFoundError", 5, "NOT_FOUND", (LookupError,)),
        ("AlreadyExistsError", 6, "ALREADY_EXISTS", ()),
        ("PermissionDeniedError", 7, "PERMISSION_DENIED", ()),
        ("ResourceExhaustedError", 8, "RESOURCE_EXHAUSTED", (MemoryError,)),
        ("FailedPreconditionError", 9, "FAILED_PRECONDITION", ()),
        ("AbortedError", 10, "ABORTED", ()),
        ("OutOfRangeError", 11, "OUT_OF_RANGE", ()),
        ("UnimplementedError", 12, "UNIMPLEMENTED", (NotImplementedError,)),
        ("InternalError", 13, "INTERNAL", ()),
        ("UnavailableError", 14, "UNAVAILABLE", ()),
        ("DataLossError", 15, "DATA_LOSS", ()),
        ("UnauthenticatedError", 16, "UNAUTHENTICATED", ()),
):
    _BY_CODE[_code] = _define(_name, _code, _code_name, *_bases)


def _error_for(code, message):
    """The exception for status code ``code`` (used by the extension)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return UnknownError(message, code)
    return cls(message)


class DtypeWarning(UserWarning):
    """A tensor was returned with a stand-in dtype: bfloat16 and the float8
    types as unsigned integers of the same width, int4/uint4 as int8/uint8,
    when the ``ml_dtypes`` package is not installed. The bits are exact;
    view them with ``ml_dtypes`` to get the values."""


def _warn_dtype(message):
    _warnings.warn(message, DtypeWarning, stacklevel=3)
