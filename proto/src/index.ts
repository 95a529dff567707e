/**
 * The project's .proto files, loaded at run time, with the TypeScript types that
 * proto-loader-gen-types generated from them (src/gen, never edited by hand).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as InferenceProtoType } from './gen/grpc_service.js';
import type { ProtoGrpcType as RunnerProtoType } from './gen/runner.js';

/** Folder holding the .proto sources (`inference/`, `infermesh/`). */
export const PROTO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every .proto file under inference/ and infermesh/, relative to {@link PROTO_ROOT}. */
export const PROTO_FILES: readonly string[] = ['inference', 'infermesh'].flatMap((top) =>
  readdirSync(path.join(PROTO_ROOT, top), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.proto'))
    .map((file) => path.posix.join(top, file.split(path.sep).join('/')))
    .sort(),
);

/**
 * proto-loader options; they must match the flags of the `generate` script so that
 * the generated `__Output` types describe what the loader actually decodes.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  // inference/ too: grpc_service.proto imports model_config.proto by its bare name, as Triton's does.
  includeDirs: [PROTO_ROOT, path.join(PROTO_ROOT, 'inference')],
};

/** Every message and service of the project's protos, for servers, clients and reflection. */
export const packageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(
  [...PROTO_FILES],
  LOADER_OPTIONS,
);

/**
 * Every package of the project's protos as grpc-js loaded them. Modules for further packages
 * (e.g. `src/registry.ts`, imported as `@infermesh/proto/registry`) cast their part of it to
 * the generated type.
 */
export const grpcObject: grpc.GrpcObject = grpc.loadPackageDefinition(packageDefinition);

const loaded = grpcObject as unknown as InferenceProtoType & RunnerProtoType;

/** `inference.GRPCInferenceService`: the Open Inference Protocol. */
export const inferenceProto = loaded.inference;

/** `infermesh.runner.v1`: the runner's control API. */
export const runnerProto = loaded.infermesh.runner.v1;

/** Fully qualified method path of ModelInfer, for pass-through calls. */
export const MODEL_INFER_PATH = '/inference.GRPCInferenceService/ModelInfer';
/** Full gRPC method path of ModelStreamInfer. */
export const MODEL_STREAM_INFER_PATH = '/inference.GRPCInferenceService/ModelStreamInfer';
/** The HTTP/2 path of the runner's multiplexed ModelInfer stream (RunnerInfer.Exchange). */
export const RUNNER_EXCHANGE_PATH = '/infermesh.runner.v1.RunnerInfer/Exchange';

export type { GRPCInferenceServiceHandlers, GRPCInferenceServiceClient } from './gen/inference/GRPCInferenceService.js';
export type { ModelInferRequest, ModelInferRequest__Output } from './gen/inference/ModelInferRequest.js';
export type { ModelInferResponse, ModelInferResponse__Output } from './gen/inference/ModelInferResponse.js';
export type { ModelStreamInferResponse, ModelStreamInferResponse__Output } from './gen/inference/ModelStreamInferResponse.js';
export type { InferTensorContents, InferTensorContents__Output } from './gen/inference/InferTensorContents.js';
export type { InferParameter, InferParameter__Output } from './gen/inference/InferParameter.js';
export type { ModelMetadataResponse, ModelMetadataResponse__Output } from './gen/inference/ModelMetadataResponse.js';
export type { ModelMetadataRequest__Output } from './gen/inference/ModelMetadataRequest.js';
export type { ModelReadyRequest__Output } from './gen/inference/ModelReadyRequest.js';
export type { ServerMetadataResponse, ServerMetadataResponse__Output } from './gen/inference/ServerMetadataResponse.js';
export type { RunnerControlHandlers, RunnerControlClient } from './gen/infermesh/runner/v1/RunnerControl.js';
export type { StatusResponse, StatusResponse__Output } from './gen/infermesh/runner/v1/StatusResponse.js';
export type { ModelVersionStatus, ModelVersionStatus__Output } from './gen/infermesh/runner/v1/ModelVersionStatus.js';
export type { TensorSignature, TensorSignature__Output } from './gen/infermesh/runner/v1/TensorSignature.js';
export type { LoadModelRequest__Output } from './gen/infermesh/runner/v1/LoadModelRequest.js';
export type { LoadModelResponse } from './gen/infermesh/runner/v1/LoadModelResponse.js';
export type { UnloadModelRequest__Output } from './gen/infermesh/runner/v1/UnloadModelRequest.js';
export type { ModelStatistics, ModelStatistics__Output } from './gen/inference/ModelStatistics.js';
export type { ModelStatisticsResponse, ModelStatisticsResponse__Output } from './gen/inference/ModelStatisticsResponse.js';
export type { InferStatistics, InferStatistics__Output } from './gen/inference/InferStatistics.js';
export type { InferBatchStatistics, InferBatchStatistics__Output } from './gen/inference/InferBatchStatistics.js';
export type { StatisticDuration, StatisticDuration__Output } from './gen/inference/StatisticDuration.js';
export type { MemoryUsage, MemoryUsage__Output } from './gen/inference/MemoryUsage.js';
export type { ModelConfig, ModelConfig__Output } from './gen/inference/ModelConfig.js';
export type { ModelConfigResponse, ModelConfigResponse__Output } from './gen/inference/ModelConfigResponse.js';
export type { ModelInstanceGroup, ModelInstanceGroup__Output } from './gen/inference/ModelInstanceGroup.js';
export type { ModelInput, ModelInput__Output } from './gen/inference/ModelInput.js';
export type { ModelOutput, ModelOutput__Output } from './gen/inference/ModelOutput.js';
export type { DataType } from './gen/inference/DataType.js';
export type { RepositoryIndexResponse } from './gen/inference/RepositoryIndexResponse.js';
export type { ModelRepositoryParameter__Output } from './gen/inference/ModelRepositoryParameter.js';
export type { ModelDynamicBatching } from './gen/inference/ModelDynamicBatching.js';
export type { ModelSequenceBatching } from './gen/inference/ModelSequenceBatching.js';
export type { ModelOptimizationPolicy } from './gen/inference/ModelOptimizationPolicy.js';
export type { ModelStatisticsRequest__Output } from './gen/inference/ModelStatisticsRequest.js';
