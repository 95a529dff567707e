#!/usr/bin/python3
"""Calls the gateway's Triton extension methods the way Triton users' Python code does.

Stubs are compiled from proto/inference (grpc_service.proto + model_config.proto) by the
stock protoc + grpc_python_plugin. Each command prints what it saw as one JSON object on
stdout and asserts nothing: test/src/e2e/triton-extensions.test.ts does the asserting.

Usage: /usr/bin/python3 triton_client.py HOST:PORT STUBS_DIR COMPRESSION COMMAND [ARGS...]
COMPRESSION is none, gzip or deflate: every request of the command is sent compressed so.

Only the standard library plus Debian's python3-grpcio and python3-protobuf are used.
"""

import json
import struct
import sys
import time

import grpc
from google.protobuf import json_format

if len(sys.argv) < 5:
    sys.exit("usage: triton_client.py HOST:PORT STUBS_DIR COMPRESSION COMMAND [ARGS...]")
ADDRESS, STUBS_DIR, COMPRESSION, COMMAND, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

sys.path.insert(0, STUBS_DIR)
import grpc_service_pb2 as pb  # noqa: E402
import grpc_service_pb2_grpc as pb_grpc  # noqa: E402

RPC_TIMEOUT_S = 60
COMPRESSIONS = {"none": grpc.Compression.NoCompression, "gzip": grpc.Compression.Gzip, "deflate": grpc.Compression.Deflate}
# The mlp test model: FP32 [batch, 64] -> FP32 [batch, 10].
MLP_WIDTH = 64

channel = grpc.insecure_channel(
    ADDRESS,
    compression=COMPRESSIONS[COMPRESSION],
    options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
)
stub = pb_grpc.GRPCInferenceServiceStub(channel)


def to_dict(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def failure(error):
    return {"code": error.code().name, "details": error.details()}


def mlp_request(request_id, version="", datatype="FP32", model="mlp"):
    values = [((request_id_hash(request_id) + i) % 17) / 17.0 for i in range(MLP_WIDTH)]
    request = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id)
    tensor = request.inputs.add()
    tensor.name = "input"
    tensor.datatype = datatype
    tensor.shape.extend([1, MLP_WIDTH])
    request.raw_input_contents.append(struct.pack("<%df" % MLP_WIDTH, *values))
    return request


def request_id_hash(request_id):
    return sum(ord(c) for c in request_id)


def infer(model, version, good, bad):
    """`good` valid calls and `bad` calls that declare FP64 for the FP32 input."""
    ok, failed = 0, []
    for i in range(good + bad):
        datatype = "FP32" if i < good else "FP64"
        try:
            response = stub.ModelInfer(mlp_request("call-%d" % i, version, datatype, model), timeout=RPC_TIMEOUT_S)
            assert response.id == "call-%d" % i
            ok += 1
        except grpc.RpcError as error:
            failed.append(failure(error))
    return {"ok": ok, "failed": failed}


def simple():
    """One call of the `simple` model (INT32 sum and difference)."""
    a, b = list(range(16)), [3] * 16
    request = pb.ModelInferRequest(model_name="simple", id="simple-1")
    for name in ("INPUT0", "INPUT1"):
        tensor = request.inputs.add()
        tensor.name = name
        tensor.datatype = "INT32"
        tensor.shape.extend([1, 16])
    request.raw_input_contents.extend([struct.pack("<16i", *a), struct.pack("<16i", *b)])
    try:
        response = stub.ModelInfer(request, timeout=RPC_TIMEOUT_S)
    except grpc.RpcError as error:
        return failure(error)
    return {"OUTPUT0": list(struct.unpack("<16i", response.raw_output_contents[0])), "version": response.model_version}


def stream(count, bad):
    """`count` requests on one ModelStreamInfer stream; those at the `bad` indices are wrong."""
    bad = set(bad)

    def requests():
        for i in range(count):
            if i in bad and i % 2 == 0:
                yield mlp_request("s-%d" % i, datatype="FP64")
            elif i in bad:
                yield mlp_request("s-%d" % i, model="no_such_model")
            else:
                yield mlp_request("s-%d" % i)

    responses = []
    for response in stub.ModelStreamInfer(requests(), timeout=RPC_TIMEOUT_S):
        responses.append(
            {
                "id": response.infer_response.id,
                "model_name": response.infer_response.model_name,
                "error_message": response.error_message,
                "outputs": len(response.infer_response.raw_output_contents),
            }
        )
    return {"responses": responses}


def unsupported():
    """Each method infermesh does not offer, with the time its answer took."""
    calls = {
        "SystemSharedMemoryStatus": lambda: stub.SystemSharedMemoryStatus(pb.SystemSharedMemoryStatusRequest(), timeout=10),
        "SystemSharedMemoryRegister": lambda: stub.SystemSharedMemoryRegister(
            pb.SystemSharedMemoryRegisterRequest(name="r", key="/shm", byte_size=64), timeout=10
        ),
        "SystemSharedMemoryUnregister": lambda: stub.SystemSharedMemoryUnregister(pb.SystemSharedMemoryUnregisterRequest(), timeout=10),
        "CudaSharedMemoryStatus": lambda: stub.CudaSharedMemoryStatus(pb.CudaSharedMemoryStatusRequest(), timeout=10),
        "CudaSharedMemoryRegister": lambda: stub.CudaSharedMemoryRegister(
            pb.CudaSharedMemoryRegisterRequest(name="r", raw_handle=b"x", byte_size=64), timeout=10
        ),
        "CudaSharedMemoryUnregister": lambda: stub.CudaSharedMemoryUnregister(pb.CudaSharedMemoryUnregisterRequest(), timeout=10),
        "TraceSetting": lambda: stub.TraceSetting(pb.TraceSettingRequest(), timeout=10),
        "LogSettings": lambda: stub.LogSettings(pb.LogSettingsRequest(), timeout=10),
    }
    result = {}
    for method, call in calls.items():
        started = time.monotonic()
        try:
            call()
            result[method] = {"code": "OK", "details": ""}
        except grpc.RpcError as error:
            result[method] = failure(error)
        result[method]["seconds"] = time.monotonic() - started
    return result


def big(byte_count):
    """One ModelInfer whose message is `byte_count` bytes of zeros before compression."""
    request = mlp_request("big")
    request.raw_input_contents[0] = bytes(byte_count)
    try:
        stub.ModelInfer(request, timeout=RPC_TIMEOUT_S)
        return {"code": "OK", "details": ""}
    except grpc.RpcError as error:
        return failure(error)


def load(model, pairs):
    """RepositoryModelLoad with parameters: `config JSON` as a string, `file:N/model.onnx PATH` as the file's bytes."""
    request = pb.RepositoryModelLoadRequest(model_name=model)
    for key, value in zip(pairs[0::2], pairs[1::2]):
        if key.startswith("file:"):
            with open(value, "rb") as file:
                request.parameters[key].bytes_param = file.read()
        else:
            request.parameters[key].string_param = value
    return unary("RepositoryModelLoad", request)


def reconfigure(model, max_batch_size):
    """What Triton's tools do: read the config as JSON, change it, load the model with it, read it again."""
    before = to_dict(stub.ModelConfig(pb.ModelConfigRequest(name=model), timeout=RPC_TIMEOUT_S).config)
    changed = dict(before, max_batch_size=max_batch_size, instance_group=[{"kind": "KIND_CPU", "count": 1}])
    changed["dynamic_batching"] = {"preferred_batch_size": [max_batch_size], "max_queue_delay_microseconds": "200"}
    loaded = load(model, ["config", json.dumps(changed)])
    after = to_dict(stub.ModelConfig(pb.ModelConfigRequest(name=model), timeout=RPC_TIMEOUT_S).config)
    return {"before": before, "loaded": loaded, "after": after}


def unary(method, request):
    try:
        return {"code": "OK", "response": to_dict(getattr(stub, method)(request, timeout=RPC_TIMEOUT_S))}
    except grpc.RpcError as error:
        return failure(error)


def main():
    if COMMAND == "metadata":
        return unary("ServerMetadata", pb.ServerMetadataRequest())
    if COMMAND == "ready":
        return unary("ModelReady", pb.ModelReadyRequest(name=ARGS[0]))
    if COMMAND == "infer":
        return infer(ARGS[0], ARGS[1], int(ARGS[2]), int(ARGS[3]))
    if COMMAND == "simple":
        return simple()
    if COMMAND == "stats":
        name, version = (ARGS + ["", ""])[:2]
        return unary("ModelStatistics", pb.ModelStatisticsRequest(name=name, version=version))
    if COMMAND == "config":
        name, version = (ARGS + ["", ""])[:2]
        return unary("ModelConfig", pb.ModelConfigRequest(name=name, version=version))
    if COMMAND == "index":
        return unary("RepositoryIndex", pb.RepositoryIndexRequest(ready=ARGS[:1] == ["ready"]))
    if COMMAND == "load":
        return load(ARGS[0], ARGS[1:])
    if COMMAND == "reconfigure":
        return reconfigure(ARGS[0], int(ARGS[1]))
    if COMMAND == "unload":
        request = pb.RepositoryModelUnloadRequest(model_name=ARGS[0])
        request.parameters["unload_dependents"].bool_param = False
        return unary("RepositoryModelUnload", request)
    if COMMAND == "stream":
        return stream(int(ARGS[0]), [int(i) for i in ARGS[1].split(",")])
    if COMMAND == "unsupported":
        return unsupported()
    if COMMAND == "big":
        return big(int(ARGS[0]))
    sys.exit("unknown command %s" % COMMAND)


print(json.dumps(main()))
