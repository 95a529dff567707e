#!/usr/bin/python3
"""Triton's grpc_explicit_int8_content_client.py (triton-inference-server/client,
src/python/examples), written again here because it cannot be downloaded in this environment.

Same flow as the original: the `simple_int8` model's INT8 inputs sent as typed
`contents.int_contents`, the answer read from `response.raw_output_contents[i]`, 16 sums and
differences printed and checked, "PASS: explicit int8" at the end, exit status 1 on any error.
Differences: the stubs are those protoc compiles from proto/inference (module grpc_service_pb2,
found on PYTHONPATH) instead of tritonclient.grpc's service_pb2, and `struct` replaces numpy.
"""

import argparse
import struct
import sys

import grpc
import grpc_service_pb2 as service_pb2
import grpc_service_pb2_grpc as service_pb2_grpc

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-v", "--verbose", action="store_true", required=False, default=False, help="Enable verbose output")
    parser.add_argument("-u", "--url", type=str, required=False, default="localhost:8001", help="Inference server URL. Default is localhost:8001.")
    FLAGS = parser.parse_args()

    model_name = "simple_int8"
    model_version = ""

    # Create gRPC stub for communicating with the server
    channel = grpc.insecure_channel(FLAGS.url)
    grpc_stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)

    # Generate the request
    request = service_pb2.ModelInferRequest()
    request.model_name = model_name
    request.model_version = model_version

    # Input data
    input0_data = [i for i in range(16)]
    input1_data = [1 for i in range(16)]

    # Populate the inputs in inference request
    input0 = service_pb2.ModelInferRequest().InferInputTensor()
    input0.name = "INPUT0"
    input0.datatype = "INT8"
    input0.shape.extend([1, 16])
    input0.contents.int_contents[:] = input0_data

    input1 = service_pb2.ModelInferRequest().InferInputTensor()
    input1.name = "INPUT1"
    input1.datatype = "INT8"
    input1.shape.extend([1, 16])
    input1.contents.int_contents[:] = input1_data

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
        values = struct.unpack("<%db" % len(response.raw_output_contents[index]), response.raw_output_contents[index])
        output_results.append([list(values[row * shape[1] : (row + 1) * shape[1]]) for row in range(shape[0])])
        index += 1

    if len(output_results) != 2:
        print("expected two output results")
        sys.exit(1)

    for i in range(16):
        print(str(input0_data[i]) + " + " + str(input1_data[i]) + " = " + str(output_results[0][0][i]))
        print(str(input0_data[i]) + " - " + str(input1_data[i]) + " = " + str(output_results[1][0][i]))
        if (input0_data[i] + input1_data[i]) != output_results[0][0][i]:
            print("explicit int8 infer error: incorrect sum")
            sys.exit(1)
        if (input0_data[i] - input1_data[i]) != output_results[1][0][i]:
            print("explicit int8 infer error: incorrect difference")
            sys.exit(1)

    print("PASS: explicit int8")
