#!/usr/bin/python3
"""Two interleaved sequences of the accumulator model, as Triton's
simple_grpc_sequence_stream_infer_client.py sends them: sequence_id, sequence_start and
sequence_end request parameters, INPUT values 0, 11, 7, 5, 3, 2, 0, 1 for the first sequence
and their negatives for the second, each response read from raw_output_contents.

Usage: /usr/bin/python3 sequence_client.py STUBS_DIR stream GATEWAY ID_A ID_B
       /usr/bin/python3 sequence_client.py STUBS_DIR unary GATEWAY_1 GATEWAY_2 ID_A ID_B
       /usr/bin/python3 sequence_client.py STUBS_DIR steps GATEWAY ID COUNT START
`stream` sends both sequences over one ModelStreamInfer; `unary` sends each call as a
ModelInfer, alternating between the two gateways; `steps` sends the first COUNT calls of
one sequence (A) as ModelInfer, the first with sequence_start when START is 1, none with
sequence_end. IDs that are digits go as uint64_param,
others as string_param. Prints {"A": [outputs...], "B": [...], "errors": [...]} as JSON.
"""

import json
import struct
import sys

import grpc

STUBS_DIR, MODE = sys.argv[1], sys.argv[2]
sys.path.insert(0, STUBS_DIR)
import grpc_service_pb2 as pb  # noqa: E402
import grpc_service_pb2_grpc as pb_grpc  # noqa: E402

VALUES = [0, 11, 7, 5, 3, 2, 0, 1]
TIMEOUT_S = 60


def request(sequence_id, value, start, end):
    request = pb.ModelInferRequest(model_name="accumulator", id="%s-%d" % (sequence_id, value))
    if sequence_id.isdigit():
        request.parameters["sequence_id"].uint64_param = int(sequence_id)
    else:
        request.parameters["sequence_id"].string_param = sequence_id
    request.parameters["sequence_start"].bool_param = start
    request.parameters["sequence_end"].bool_param = end
    tensor = request.inputs.add()
    tensor.name = "INPUT"
    tensor.datatype = "INT32"
    tensor.shape.extend([1])
    request.raw_input_contents.append(struct.pack("<i", value))
    return request


def interleaved(id_a, id_b):
    """(sequence, request) pairs: A's call, then B's, step by step."""
    for i, value in enumerate(VALUES):
        start, end = i == 0, i == len(VALUES) - 1
        yield "A", request(id_a, value, start, end)
        yield "B", request(id_b, -value, start, end)


def output_of(response):
    index = [o.name for o in response.outputs].index("OUTPUT")
    return struct.unpack("<i", response.raw_output_contents[index])[0]


def channel(address):
    return grpc.insecure_channel(address, options=[("grpc.enable_http_proxy", 0)])


def main():
    result = {"A": [], "B": [], "errors": []}
    if MODE == "stream":
        address, id_a, id_b = sys.argv[3:6]
        stub = pb_grpc.GRPCInferenceServiceStub(channel(address))
        pairs = list(interleaved(id_a, id_b))
        for (sequence, _), response in zip(pairs, stub.ModelStreamInfer(iter([r for _, r in pairs]), timeout=TIMEOUT_S)):
            if response.error_message:
                result["errors"].append(response.error_message)
            else:
                result[sequence].append(output_of(response.infer_response))
    elif MODE == "steps":
        address, sequence_id, count, start = sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1"
        stub = pb_grpc.GRPCInferenceServiceStub(channel(address))
        for i, value in enumerate(VALUES[:count]):
            try:
                result["A"].append(output_of(stub.ModelInfer(request(sequence_id, value, start and i == 0, False), timeout=TIMEOUT_S)))
            except grpc.RpcError as error:
                result["errors"].append("%s: %s" % (error.code().name, error.details()))
    else:
        first, second, id_a, id_b = sys.argv[3:7]
        stubs = [pb_grpc.GRPCInferenceServiceStub(channel(first)), pb_grpc.GRPCInferenceServiceStub(channel(second))]
        for i, (sequence, req) in enumerate(interleaved(id_a, id_b)):
            # A's calls go to gateway 1, 2, 1, ...; B's to 2, 1, 2, ...
            try:
                result[sequence].append(output_of(stubs[(i + i // 2) % 2].ModelInfer(req, timeout=TIMEOUT_S)))
            except grpc.RpcError as error:
                result["errors"].append("%s: %s" % (error.code().name, error.details()))
    print(json.dumps(result))


main()
