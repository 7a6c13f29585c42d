"""Decode jsonpickle-encoded values from a store without running any code.

Sacred's ``flatten`` stores non-JSON values (numpy arrays and scalars, tuples,
sets, bytes, datetimes, objects) in jsonpickle's format. ``jsonpickle.decode``
imports and calls whatever a document names, so a store written by someone
else could run code on the reader's machine. This decoder rebuilds only a fixed
list of value types from their data; every other tagged value is returned as
the JSON it was stored as.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import struct
import zlib
from typing import Any

import numpy as np

_DATETIME_TYPES = {"datetime.datetime", "datetime.date", "datetime.time"}
_NUMPY_ARRAY = "numpy.ndarray"
# An array blob inflates to at most this many bytes; a larger one stays as JSON.
_MAX_ARRAY_BYTES = 1 << 30


class _Undecodable(Exception):
    """A tagged value that is not on the safe list or whose data is malformed."""


def decode_value(value: Any) -> Any:
    """Return ``value`` with the safe jsonpickle forms decoded, recursively.

    Decoded: tuples, sets, bytes (``py/b64``), ``datetime``/``date``/``time``/
    ``timedelta``, numpy arrays (nested lists or the base64 zlib blob that
    jsonpickle writes for more than 16 elements, and views on such arrays),
    numpy scalars and dtypes, and ``json://`` dict keys. Any other tagged
    value (``py/object`` of another class, ``py/reduce``, ``py/function``,
    ``py/type``, ``py/id`` references...) is returned unchanged.
    """
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    if any(key.startswith("py/") for key in value):
        try:
            return _decode_tagged(value)
        except _Undecodable:
            return value
    return {_decode_key(key): decode_value(item) for key, item in value.items()}


def needs_decoding(raw: str | bytes) -> bool:
    """Tell whether JSON text may contain jsonpickle tags (a cheap pre-check)."""
    if isinstance(raw, bytes):
        return b'"py/' in raw or b'"json://' in raw
    return '"py/' in raw or '"json://' in raw


def _decode_key(key: str) -> Any:
    if not key.startswith("json://"):
        return key
    try:
        decoded = decode_value(json.loads(key[len("json://"):]))
        hash(decoded)
    except (ValueError, TypeError):
        return key
    return decoded


def _decode_tagged(value: dict) -> Any:
    if "py/tuple" in value:
        return tuple(decode_value(_as_list(value["py/tuple"])))
    if "py/set" in value:
        return set(decode_value(_as_list(value["py/set"])))
    if "py/b64" in value:
        return _b64(value["py/b64"])
    if "py/reduce" in value:
        return _decode_reduce(value["py/reduce"])
    type_name = value.get("py/object")
    if type_name in _DATETIME_TYPES:
        return _decode_datetime(type_name, value.get("__reduce__"))
    if type_name == _NUMPY_ARRAY:
        return _decode_array(value)
    if isinstance(type_name, str) and type_name.startswith("numpy.") and "dtype" in value:
        return _decode_numpy_scalar_or_dtype(value)
    raise _Undecodable(type_name)


def _as_list(value: Any) -> list:
    if not isinstance(value, list):
        raise _Undecodable(value)
    return value


def _b64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise _Undecodable(text)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Undecodable(text) from exc


def _decode_reduce(reduce: Any) -> Any:
    # Only timedelta is rebuilt from a py/reduce: [{"py/type": ...}, {"py/tuple": [d, s, us]}].
    if not (isinstance(reduce, list) and len(reduce) >= 2 and isinstance(reduce[0], dict)):
        raise _Undecodable(reduce)
    if reduce[0].get("py/type") != "datetime.timedelta" or not isinstance(reduce[1], dict):
        raise _Undecodable(reduce)
    args = _as_list(reduce[1].get("py/tuple"))
    if len(args) != 3 or not all(isinstance(arg, int) for arg in args):
        raise _Undecodable(reduce)
    return dt.timedelta(*args)


def _decode_datetime(type_name: str, reduce: Any) -> Any:
    # The pickled state of datetime objects: packed bytes, optionally a tzinfo.
    if not (isinstance(reduce, list) and len(reduce) == 2 and isinstance(reduce[1], list)):
        raise _Undecodable(reduce)
    if not reduce[1] or len(reduce[1]) > 1:
        raise _Undecodable(reduce)  # a second item is a tzinfo object: not decoded
    state = _b64(reduce[1][0])
    try:
        if type_name == "datetime.date" and len(state) == 4:
            year, month, day = struct.unpack(">HBB", state)
            return dt.date(year, month, day)
        if type_name == "datetime.time" and len(state) == 6:
            hour, minute, second, us_hi, us_lo = struct.unpack(">BBBBH", state)
            return dt.time(hour & 0x7F, minute, second, (us_hi << 16) | us_lo)
        if type_name == "datetime.datetime" and len(state) == 10:
            year, month, day, hour, minute, second, us_hi, us_lo = struct.unpack(">HBBBBBBH", state)
            return dt.datetime(year, month & 0x7F, day, hour, minute, second, (us_hi << 16) | us_lo)
    except ValueError as exc:
        raise _Undecodable(reduce) from exc
    raise _Undecodable(reduce)


def _safe_dtype(spec: Any) -> np.dtype:
    if not isinstance(spec, str):
        raise _Undecodable(spec)
    try:
        dtype = np.dtype(spec)
    except TypeError as exc:
        # Structured dtypes are written as a Python literal list; they are not decoded.
        raise _Undecodable(spec) from exc
    if dtype.hasobject:
        raise _Undecodable(spec)
    return dtype


def _decode_numpy_scalar_or_dtype(value: dict) -> Any:
    dtype = _safe_dtype(value["dtype"])
    if "value" not in value:
        return dtype
    scalar = value["value"]
    if isinstance(scalar, (list, dict)):
        raise _Undecodable(value)
    try:
        return dtype.type(scalar)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _Undecodable(value) from exc


def _decode_array(value: dict) -> np.ndarray:
    if "base" in value:
        return _decode_view(value)
    dtype = _safe_dtype(value.get("dtype"))
    values = value.get("values")
    order = "F" if value.get("order") == "F" else "C"
    try:
        if isinstance(values, list):
            array = np.array(decode_value(values), dtype=dtype, order=order)
        elif isinstance(values, (int, float)):
            array = np.array([values], dtype=dtype)
        else:
            array = _decode_blob(values, dtype, value.get("byteorder"), order, value.get("shape"))
        if value.get("shape") is not None and array.shape != tuple(value["shape"]):
            array = array.reshape(value["shape"])
    except (TypeError, ValueError, OverflowError, zlib.error) as exc:
        raise _Undecodable(value) from exc
    return array


def _decode_blob(text: Any, dtype: np.dtype, byteorder: Any, order: str, shape: Any) -> np.ndarray:
    inflater = zlib.decompressobj()
    buffer = inflater.decompress(_b64(text), _MAX_ARRAY_BYTES)
    if inflater.unconsumed_tail:
        raise _Undecodable("array larger than the decode limit")
    if byteorder in ("<", ">"):
        dtype = dtype.newbyteorder(byteorder)
    array = np.frombuffer(buffer, dtype=dtype)
    if shape is not None:
        array = array.reshape(shape, order=order)
    return array.astype(dtype.newbyteorder("="))


def _decode_view(value: dict) -> np.ndarray:
    base = value["base"]
    base_array = _decode_array(base) if isinstance(base, dict) else None
    if base_array is None:
        raise _Undecodable(value)
    dtype = _safe_dtype(value.get("dtype"))
    if value.get("byteorder") == "S":
        dtype = dtype.newbyteorder("S")
    try:
        view = np.ndarray(
            buffer=np.ascontiguousarray(base_array).data,
            dtype=dtype,
            shape=value.get("shape"),
            offset=value.get("offset", 0),
            strides=value.get("strides"),
        )
    except (TypeError, ValueError) as exc:
        raise _Undecodable(value) from exc
    return view.copy()
