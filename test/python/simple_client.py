#!/usr/bin/python3
"""Stock Python gRPC client for the `simple` model, run against an infermesh gateway.

Proves that stubs compiled from proto/inference/grpc_service.proto by the stock
protoc + grpc_python_plugin work unchanged against the gateway. It reports what it
saw as one JSON object on stdout and asserts nothing: test/src/e2e/python-client.test.ts
does the asserting.

Usage: /usr/bin/python3 simple_client.py HOST:PORT STUBS_DIR

Only the standard library plus Debian's python3-grpcio and python3-protobuf are used
(no numpy): tensors are packed with `struct`.
"""

import json
import struct
import sys

import grpc

if len(sys.argv) != 3:
    sys.exit("usage: simple_client.py HOST:PORT STUBS_DIR")
ADDRESS, STUBS_DIR = sys.argv[1], sys.argv[2]

sys.path.insert(0, STUBS_DIR)
try:
    # Compiled with `-I proto/inference grpc_service.proto`: top-level modules.
    import grpc_service_pb2 as pb
    import grpc_service_pb2_grpc as pb_grpc
except ImportError:
    # Compiled with `-I proto inference/grpc_service.proto`: an `inference` package.
    from inference import grpc_service_pb2 as pb
    from inference import grpc_service_pb2_grpc as pb_grpc

MODEL = "simple"
COUNT = 16
SHAPE = [1, COUNT]
# Values past 16 bits and negative differences exercise every byte of the INT32 encoding.
INPUT0 = [i * 65537 for i in range(COUNT)]
INPUT1 = [100 - 7 * i for i in range(COUNT)]
RPC_TIMEOUT_S = 30


def pack_int32(values):
    """Little-endian INT32, as the protocol's raw contents require."""
    return struct.pack("<%di" % len(values), *values)


def unpack_int32(raw):
    return list(struct.unpack("<%di" % (len(raw) // 4), raw))


def tensor_metadata(tensors):
    return [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in tensors]


def decode_outputs(response):
    """Output name -> INT32 list, from raw_output_contents: outputs are always raw, as Triton answers."""
    return {tensor.name: unpack_int32(response.raw_output_contents[index]) for index, tensor in enumerate(response.outputs)}


def infer_result(response):
    return {
        "id": response.id,
        "model_name": response.model_name,
        "form": "raw" if response.raw_output_contents else "typed",
        "shapes": {t.name: list(t.shape) for t in response.outputs},
        "datatypes": {t.name: t.datatype for t in response.outputs},
        "outputs": decode_outputs(response),
    }


def input_tensor(name, datatype, values=None):
    tensor = pb.ModelInferRequest.InferInputTensor(name=name, datatype=datatype, shape=SHAPE)
    if values is not None:
        tensor.contents.int_contents.extend(values)
    return tensor


def requested_outputs():
    return [pb.ModelInferRequest.InferRequestedOutputTensor(name=n) for n in ("OUTPUT0", "OUTPUT1")]


def main():
    # Never route a local test connection through an HTTP proxy from the environment.
    channel = grpc.insecure_channel(ADDRESS, options=[("grpc.enable_http_proxy", 0)])
    grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT_S)
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    report = {"inputs": {"INPUT0": INPUT0, "INPUT1": INPUT1}}

    report["live"] = stub.ServerLive(pb.ServerLiveRequest(), timeout=RPC_TIMEOUT_S).live
    report["ready"] = stub.ServerReady(pb.ServerReadyRequest(), timeout=RPC_TIMEOUT_S).ready
    report["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name=MODEL), timeout=RPC_TIMEOUT_S).ready

    metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name=MODEL), timeout=RPC_TIMEOUT_S)
    report["metadata"] = {
        "name": metadata.name,
        "versions": list(metadata.versions),
        "platform": metadata.platform,
        "inputs": tensor_metadata(metadata.inputs),
        "outputs": tensor_metadata(metadata.outputs),
    }

    raw_request = pb.ModelInferRequest(
        model_name=MODEL,
        id="python-raw-1",
        inputs=[input_tensor("INPUT0", "INT32"), input_tensor("INPUT1", "INT32")],
        outputs=requested_outputs(),
        raw_input_contents=[pack_int32(INPUT0), pack_int32(INPUT1)],
    )
    report["raw"] = infer_result(stub.ModelInfer(raw_request, timeout=RPC_TIMEOUT_S))

    typed_request = pb.ModelInferRequest(
        model_name=MODEL,
        id="python-typed-1",
        inputs=[input_tensor("INPUT0", "INT32", INPUT0), input_tensor("INPUT1", "INT32", INPUT1)],
        outputs=requested_outputs(),
    )
    report["typed"] = infer_result(stub.ModelInfer(typed_request, timeout=RPC_TIMEOUT_S))

    # INPUT0 declared FP32 where the model wants INT32 (same byte size, so only the datatype is wrong).
    bad_request = pb.ModelInferRequest(
        model_name=MODEL,
        id="python-bad-1",
        inputs=[input_tensor("INPUT0", "FP32"), input_tensor("INPUT1", "INT32")],
        raw_input_contents=[struct.pack("<%df" % COUNT, *map(float, INPUT0)), pack_int32(INPUT1)],
    )
    try:
        stub.ModelInfer(bad_request, timeout=RPC_TIMEOUT_S)
        report["bad_request"] = {"code": "OK", "details": ""}
    except grpc.RpcError as error:
        report["bad_request"] = {"code": error.code().name, "details": error.details()}

    channel.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
