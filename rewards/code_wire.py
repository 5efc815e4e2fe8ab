"""The wire format between the trusted reward and the sandbox: plain values as tagged JSON.

Both sides use these two functions: the sandbox harnesses (``code_io.py``, ``code_cases.py``)
embed this file's source text (the sandbox's ``python3 -I`` cannot import our package) and the
trusted process imports it. Only these exact types travel, checked with ``type(x) is T`` (a
subclass of ``int``, ``str``, ``list``... is *not* accepted, whatever its ``__eq__``, ``__repr__``
or ``__hash__`` do), each as ``[tag, payload]``:

==============  ==========================================  =======================================
type            encoded                                     note
==============  ==========================================  =======================================
None            ``["None"]``
bool            ``["bool", true]``                          distinct from int
int             ``["int", "-0x1f"]``                        hex: exact, no digit limit
float           ``["float", "0x1.8p+1"]``                   ``float.hex``: exact, also nan/inf/-0.0
str / bytes     ``["str", "..."]`` / ``["bytes", "6869"]``
list / tuple    ``["list", [..]]`` / ``["tuple", [..]]``    distinct from each other
set/frozenset   ``["set", [..]]`` / ``["frozenset", [..]]``
dict            ``["dict", [[k, v], ..]]``                  insertion order is not compared
==============  ==========================================  =======================================

Anything else (complex, a class instance, a generator, a self-containing list, nesting deeper
than ``MAX_DEPTH``) raises :class:`WireError`: a case whose output cannot be encoded exactly is a
failed case. ``decode`` rebuilds plain Python values (the sandbox uses it for call arguments).
"""


class WireError(ValueError):
    """A value that the wire format cannot carry exactly."""


MAX_DEPTH = 64
_SEQ = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}
_SEQ_TYPES = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def encode(value, depth=0):
    """The tagged-JSON form of ``value`` (exact types only; raises WireError otherwise)."""
    if depth > MAX_DEPTH:
        raise WireError("value nested deeper than %d" % MAX_DEPTH)
    t = type(value)
    if value is None:
        return ["None"]
    if t is bool:
        return ["bool", value]
    if t is int:
        return ["int", hex(value)]
    if t is float:
        return ["float", value.hex()]
    if t is str:
        return ["str", value]
    if t is bytes:
        return ["bytes", value.hex()]
    if t in _SEQ:
        return [_SEQ[t], [encode(v, depth + 1) for v in value]]
    if t is dict:
        return ["dict", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]]
    raise WireError("cannot send a value of type %s" % t.__name__)


def decode(data, depth=0):
    """The Python value of an encoded one (raises WireError on anything malformed)."""
    if depth > MAX_DEPTH or type(data) is not list or not data or type(data[0]) is not str:
        raise WireError("malformed value")
    tag, rest = data[0], data[1:]
    try:
        if tag == "None" and not rest:
            return None
        (payload,) = rest
        if tag == "bool" and type(payload) is bool:
            return payload
        if tag == "int" and type(payload) is str:
            return int(payload, 16)
        if tag == "float" and type(payload) is str:
            return float.fromhex(payload)
        if tag == "str" and type(payload) is str:
            return payload
        if tag == "bytes" and type(payload) is str:
            return bytes.fromhex(payload)
        if tag in _SEQ_TYPES and type(payload) is list:
            return _SEQ_TYPES[tag](decode(v, depth + 1) for v in payload)
        if tag == "dict" and type(payload) is list:
            return {decode(k, depth + 1): decode(v, depth + 1) for k, v in payload}
    except (ValueError, TypeError, OverflowError) as e:
        raise WireError("malformed %s value: %s" % (tag, e)) from None
    raise WireError("malformed value with tag %r" % (tag,))
