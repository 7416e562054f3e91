"""The wire carries JSON and raw array bytes of plain numeric dtypes, and refuses everything else."""

import os

import numpy as np
import pytest

from grading import protocol


def test_messages_with_arrays_round_trip_exactly():
    message = {"op": "call", "args": [np.arange(6.0).reshape(2, 3), None, 3], "kwargs": {"h0": np.float32([1.5])}}
    back = protocol.decode(*split(protocol.encode(message)))
    assert back["op"] == "call" and back["args"][1:] == [None, 3]
    assert np.array_equal(back["args"][0], message["args"][0]) and back["kwargs"]["h0"].dtype == np.float32


def split(frame: bytes):
    length = int.from_bytes(frame[: protocol.HEADER_BYTES], "big")
    return frame[protocol.HEADER_BYTES : protocol.HEADER_BYTES + length], frame[protocol.HEADER_BYTES + length :]


def test_object_arrays_cannot_be_sent():
    with pytest.raises(protocol.ProtocolError, match="dtype object cannot cross the wire"):
        protocol.encode({"x": np.array([object()])})


def test_a_header_naming_an_object_dtype_is_refused():
    header = b'{"body": {"__array__": 0}, "arrays": [{"dtype": "|O", "shape": [1], "nbytes": 8}]}'
    with pytest.raises(protocol.ProtocolError, match="array of dtype '|O' refused"):
        protocol.decode(header, b"\x00" * 8)


def test_an_array_that_does_not_fit_its_payload_is_refused():
    header = b'{"body": {"__array__": 0}, "arrays": [{"dtype": "<f8", "shape": [4], "nbytes": 32}]}'
    with pytest.raises(protocol.ProtocolError, match="does not fit"):
        protocol.decode(header, b"\x00" * 8)


def test_an_oversized_message_is_refused_before_it_is_read():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, (10**9).to_bytes(8, "big"))
    with pytest.raises(protocol.ProtocolError, match="over the"):
        protocol.receive(read_fd, timeout=1)
    os.close(read_fd)
    os.close(write_fd)


def test_a_silent_sender_times_out_and_a_closed_one_is_reported():
    read_fd, write_fd = os.pipe()
    with pytest.raises(protocol.ChannelTimeout):
        protocol.receive(read_fd, timeout=0.05)
    os.close(write_fd)
    with pytest.raises(protocol.ChannelClosed):
        protocol.receive(read_fd, timeout=1)
    os.close(read_fd)


def test_decoded_arrays_are_writeable_and_independent_of_each_other():
    back = protocol.decode(*split(protocol.encode({"a": np.arange(3.0), "b": [np.ones((2, 2)), np.int32(7)]})))
    back["a"][0] = 9.0
    back["b"][0][:] = 0.0
    assert back["a"].tolist() == [9.0, 1.0, 2.0] and back["b"][0].tolist() == [[0.0, 0.0], [0.0, 0.0]] and back["b"][1] == 7
    assert not np.shares_memory(back["a"], back["b"][0])
