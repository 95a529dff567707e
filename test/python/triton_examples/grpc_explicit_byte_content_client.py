#!/usr/bin/python3
"""Triton's grpc_explicit_byte_content_client.py (triton-inference-server/client,
src/python/examples), written again here because it cannot be downloaded in this environment.

Same flow as the original: the `simple_string` model's BYTES inputs (numbers as strings) sent
as typed `contents.bytes_contents`, the answer read from `response.raw_output_contents[i]`
(Triton's serialized BYTES: a 4-byte little-endian length before each element), 16 sums and
differences printed and checked, "PASS: explicit byte" at the end, exit status 1 on any error.
Differences: the stubs are those protoc compiles from proto/inference (module grpc_service_pb2,
found on PYTHONPATH) instead of tritonclient.grpc's service_pb2, and `struct` replaces numpy
(deserialize_bytes_tensor is tritonclient.utils' function of that name, without numpy).
"""

import argparse
import struct
import sys

import grpc
import grpc_service_pb2 as service_pb2
import grpc_service_pb2_grpc as service_pb2_grpc


def deserialize_bytes_tensor(encoded_tensor):
    """The elements of a serialized BYTES tensor, in order."""
    strs = []
    offset = 0
    while offset < len(encoded_tensor):
        length = struct.unpack_from("<I", encoded_tensor, offset)[0]
        offset += 4
        strs.append(encoded_tensor[offset : offset + length])
        offset += length
    return strs


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true", required=False, default=False, help="Enable verbose output")
    parser.add_argument("-u", "--url", type=str, required=False, default="localhost:8001", help="Inference server URL. Default is localhost:8001.")
    FLAGS = parser.parse_args()

    model_name = "simple_string"
    model_version = ""

    # Create gRPC stub for communicating with the server
    channel = grpc.insecure_channel(FLAGS.url)
    grpc_stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)

    # Generate the request
    request = service_pb2.ModelInferRequest()
    request.model_name = model_name
    request.model_version = model_version

    # Input data
    input0_data = [str(i).encode("utf-8") for i in range(16)]
    input1_data = [str(1).encode("utf-8") for i in range(16)]

    # Populate the inputs in inference request
    input0 = service_pb2.ModelInferRequest().InferInputTensor()
    input0.name = "INPUT0"
    input0.datatype = "BYTES"
    input0.shape.extend([1, 16])
    input0.contents.bytes_contents[:] = input0_data

    input1 = service_pb2.ModelInferRequest().InferInputTensor()
    input1.name = "INPUT1"
    input1.datatype = "BYTES"
    input1.shape.extend([1, 16])
    input1.contents.bytes_contents[:] = input1_data

    request.inputs.extend([input0, input1])

    # Populate the outputs in the inference request
    output0 = service_pb2.ModelInferRequest().InferRequestedOutputTensor()
    output0.name = "OUTPUT0"
    output1 = service_pb2.ModelInferRequest().InferRequestedOutputTensor()
    output1.name = "OUTPUT1"
    request.outputs.extend([output0, output1])

    response = grpc_stub.ModelInfer(request)
    if FLAGS.verbose:
        print(response)

    # Get the response outputs
    output_results = []
    index = 0
    for output in response.outputs:
        shape = [value for value in output.shape]
        values = deserialize_bytes_tensor(response.raw_output_contents[index])
        output_results.append([list(values[row * shape[1] : (row + 1) * shape[1]]) for row in range(shape[0])])
        index += 1

    if len(output_results) != 2:
        print("expected two output results")
        sys.exit(1)

    for i in range(16):
        print(str(input0_data[i]) + " + " + str(input1_data[i]) + " = " + str(output_results[0][0][i]))
        print(str(input0_data[i]) + " - " + str(input1_data[i]) + " = " + str(output_results[1][0][i]))
        if (int(input0_data[i]) + int(input1_data[i])) != int(output_results[0][0][i]):
            print("explicit byte infer error: incorrect sum")
            sys.exit(1)
        if (int(input0_data[i]) - int(input1_data[i])) != int(output_results[1][0][i]):
            print("explicit byte infer error: incorrect difference")
            sys.exit(1)

    print("PASS: explicit byte")
