# Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
# Type stub of the package ckpt (docs/python.md).
import os
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Tuple, Union

import numpy as np

from .errors import (
    AbortedError as AbortedError,
    AlreadyExistsError as AlreadyExistsError,
    CancelledError as CancelledError,
    DataLossError as DataLossError,
    DeadlineExceededError as DeadlineExceededError,
    DtypeWarning as DtypeWarning,
    Error as Error,
    FailedPreconditionError as FailedPreconditionError,
    InternalError as InternalError,
    InvalidArgumentError as InvalidArgumentError,
    NotFoundError as NotFoundError,
    OutOfRangeError as OutOfRangeError,
    PermissionDeniedError as PermissionDeniedError,
    ResourceExhaustedError as ResourceExhaustedError,
    UnauthenticatedError as UnauthenticatedError,
    UnavailableError as UnavailableError,
    UnimplementedError as UnimplementedError,
    UnknownError as UnknownError,
)

__version__: str

_Path = Union[str, os.PathLike]
_Value = Union[np.ndarray, np.generic, bytes]

class CheckpointReader:
    @property
    def prefix(self) -> str: ...
    def get_tensor(self, key: Union[str, bytes]) -> _Value: ...
    def has_tensor(self, key: Union[str, bytes]) -> bool: ...
    def get_variable_to_shape_map(self) -> Dict[str, List[int]]: ...
    def get_variable_to_dtype_map(self) -> Dict[str, str]: ...
    def keys(self) -> List[str]: ...
    def __contains__(self, key: object) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> "CheckpointReader": ...
    def __exit__(self, *exc: Any) -> bool: ...

def load_checkpoint(ckpt_dir_or_file: _Path, mmap: bool = ...) -> CheckpointReader: ...
def list_variables(ckpt_dir_or_file: _Path) -> List[Tuple[str, List[int]]]: ...
def load_variable(ckpt_dir_or_file: _Path, name: str) -> _Value: ...
def save(
    prefix: _Path,
    tensors: Union[Mapping[Union[str, bytes], Any], Iterable[Tuple[Union[str, bytes], Any]]],
    compression: Literal["none", "lz4"] = ...,
) -> int: ...
def object_graph(ckpt_dir_or_file: _Path) -> List[Dict[str, Any]]: ...
def restore_map(ckpt_dir_or_file: _Path, mmap: bool = ...) -> Dict[str, _Value]: ...
def export_checkpoint(
    ckpt_dir_or_file: _Path,
    dst: _Path,
    format: Optional[Literal["safetensors", "npz"]] = ...,
    key_map: Iterable[str] = ...,
    drop_optimizer: bool = ...,
    shard_size: int = ...,
) -> Dict[str, Any]: ...
def import_checkpoint(src: _Path, prefix: _Path, key_map: Iterable[str] = ...) -> Dict[str, Any]: ...
