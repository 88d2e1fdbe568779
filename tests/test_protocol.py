"""The wire between judge and workers: frames, and the codec that only rebuilds safe values."""

import io
import json
import pickle
import socket
import struct
from collections import namedtuple

import numpy as np
import pytest
import torch

from grader.run.shared.codec import Foreign, NamedTupleValue, decode_value, encode_value
from grader.run.shared.frames import ProtocolError, recv_frame, recv_raw_frame, send_frame


def roundtrip(value):
    return decode_value(encode_value(value))


def test_tensors_keep_values_dtype_device_and_requires_grad():
    x = torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_()
    y = roundtrip(x)
    assert type(y) is torch.Tensor and y.dtype == torch.float64 and y.requires_grad
    assert torch.equal(y.detach(), x.detach())


def test_meta_tensors_keep_shape_and_device():
    y = roundtrip(torch.empty(4, 5, dtype=torch.float16, device="meta"))
    assert y.device.type == "meta" and y.shape == (4, 5) and y.dtype == torch.float16


def test_containers_and_plain_values():
    Point = namedtuple("Point", "x y")
    value = {
        "a": [1, 2.5, "s", None, True],
        "b": (torch.ones(2), torch.float32, torch.device("cpu")),
        "c": torch.Size([2, 3]),
        "d": Point(1, torch.zeros(1)),
        3: np.arange(3),
    }
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, "s", None, True]
    assert back["b"][1] is torch.float32 and back["b"][2] == torch.device("cpu")
    assert back["c"] == torch.Size([2, 3])
    assert isinstance(back["d"], NamedTupleValue) and back["d"].fields == ("x", "y")
    assert isinstance(back[3], np.ndarray) and back[3].tolist() == [0, 1, 2]


def test_a_state_dict_arrives_as_a_dict():
    state = torch.nn.Linear(2, 3).state_dict()
    back = roundtrip(state)
    assert type(back) is dict and list(back) == ["weight", "bias"]
    assert torch.equal(back["weight"], state["weight"])


def test_tensor_subclasses_and_objects_arrive_as_foreign():
    class Sneaky(torch.Tensor):
        pass

    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert isinstance(roundtrip(torch.ones(2).as_subclass(Sneaky)), Foreign)
    back = roundtrip(AlwaysEqual())
    assert isinstance(back, Foreign) and back != torch.ones(1) and "AlwaysEqual" in back.type_name


def test_parameters_arrive_as_parameters():
    back = roundtrip(torch.nn.Parameter(torch.ones(3)))
    assert isinstance(back, torch.nn.Parameter) and back.requires_grad


def test_a_pickle_that_runs_code_is_refused():
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    buffer = io.BytesIO()
    pickle.dump(Evil(), buffer)
    with pytest.raises(ProtocolError):
        decode_value(buffer.getvalue())


def forged(tree, blobs=()):
    head = json.dumps({"tree": tree, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack("!I", len(head)) + head + b"".join(blobs)


def test_garbage_and_forged_values_are_refused():
    with pytest.raises(ProtocolError):
        decode_value(b"not a value at all")
    with pytest.raises(ProtocolError):  # 3 floats claimed, 8 bytes sent
        decode_value(forged(["tensor", 0, "cpu", [3], "float32", False, False], [b"x" * 8]))
    with pytest.raises(ProtocolError):  # object arrays could hold anything
        decode_value(forged(["ndarray", 0, "|O", [1]], [b"x" * 8]))
    with pytest.raises(ProtocolError):
        decode_value(forged(["os.system", "rm -rf /"]))
    with pytest.raises(ProtocolError):
        decode_value(forged(["tensor", 5, "cpu", [1], "float32", False, False], [b"x" * 4]))


def test_special_values_survive():
    value = [
        float("nan"),
        float("inf"),
        -0.0,
        3 + 4j,
        b"\x00\xff",
        torch.tensor([True, False]),
        torch.zeros(0, 3),
        torch.tensor(2.5, dtype=torch.float64),
        torch.ones(2, dtype=torch.bfloat16),
    ]
    back = roundtrip(value)
    assert (
        back[0] != back[0]
        and back[1] == float("inf")
        and back[3] == 3 + 4j
        and back[4] == b"\x00\xff"
    )
    for got, sent in zip(back[5:], value[5:], strict=True):
        assert got.dtype == sent.dtype and got.shape == sent.shape and torch.equal(got, sent)


def test_frames_round_trip_and_oversized_frames_are_refused():
    a, b = socket.socketpair()
    send_frame(a, {"op": "x"}, b"payload")
    assert recv_frame(b) == ({"op": "x"}, b"payload")
    send_frame(a, {"op": "big"}, b"x" * 100)
    with pytest.raises(ProtocolError):
        recv_raw_frame(b, max_payload=10)
    a.close()
    b.close()


def test_a_huge_answer_tree_is_refused_before_parsing():
    from grader.run.shared.codec import MAX_TREE_BYTES

    head = b"[" * (MAX_TREE_BYTES + 1)  # would not even parse: the length alone refuses it
    with pytest.raises(ProtocolError, match="MiB of values"):
        decode_value(struct.pack("!I", len(head)) + head)


def test_a_frame_too_large_names_the_limit_it_broke():
    from grader.run.shared.frames import FrameTooLarge

    ours, theirs = socket.socketpair()
    with ours, theirs:
        send_frame(theirs, {"status": "returned"}, b"x" * 2048)
        with pytest.raises(FrameTooLarge) as caught:
            recv_frame(ours, max_payload=1024)
    assert caught.value.limit == 1024
