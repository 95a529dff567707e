/**
 * `infermesh.registry.v1`: the registry's API (model versions, rollouts, runner membership,
 * routes), as loaded with the project's other protos, with its generated types.
 * Imported as `@infermesh/proto/registry`.
 */
import { grpcObject } from './index.js';
import type { ProtoGrpcType as RegistryProtoType } from './gen/registry.js';

/** `infermesh.registry.v1`: service constructor and message definitions. */
export const registryProto = (grpcObject as unknown as RegistryProtoType).infermesh.registry.v1;

export type { RegistryClient, RegistryHandlers, RegistryDefinition } from './gen/infermesh/registry/v1/Registry.js';
export type { VersionStatus, VersionStatus__Output } from './gen/infermesh/registry/v1/VersionStatus.js';
export type { TensorSpec, TensorSpec__Output } from './gen/infermesh/registry/v1/TensorSpec.js';
export type { ModelVersion, ModelVersion__Output } from './gen/infermesh/registry/v1/ModelVersion.js';
export type { HeaderRule, HeaderRule__Output } from './gen/infermesh/registry/v1/HeaderRule.js';
export type { RollbackPolicy, RollbackPolicy__Output } from './gen/infermesh/registry/v1/RollbackPolicy.js';
export type { Rollout, Rollout__Output } from './gen/infermesh/registry/v1/Rollout.js';
export type { Model, Model__Output } from './gen/infermesh/registry/v1/Model.js';
export type { RegisterVersionRequest, RegisterVersionRequest__Output } from './gen/infermesh/registry/v1/RegisterVersionRequest.js';
export type { RegisterVersionResponse, RegisterVersionResponse__Output } from './gen/infermesh/registry/v1/RegisterVersionResponse.js';
export type { PushVersionRequest, PushVersionRequest__Output } from './gen/infermesh/registry/v1/PushVersionRequest.js';
export type { ListModelsResponse, ListModelsResponse__Output } from './gen/infermesh/registry/v1/ListModelsResponse.js';
export type { RetireVersionRequest, RetireVersionRequest__Output } from './gen/infermesh/registry/v1/RetireVersionRequest.js';
export type { SetRolloutRequest, SetRolloutRequest__Output } from './gen/infermesh/registry/v1/SetRolloutRequest.js';
export type { RolloutActionRequest, RolloutActionRequest__Output } from './gen/infermesh/registry/v1/RolloutActionRequest.js';
export type { RolloutEvent, RolloutEvent__Output } from './gen/infermesh/registry/v1/RolloutEvent.js';
export type { GetHistoryResponse, GetHistoryResponse__Output } from './gen/infermesh/registry/v1/GetHistoryResponse.js';
export type { RegisterRunnerRequest, RegisterRunnerRequest__Output } from './gen/infermesh/registry/v1/RegisterRunnerRequest.js';
export type { RegisterRunnerResponse, RegisterRunnerResponse__Output } from './gen/infermesh/registry/v1/RegisterRunnerResponse.js';
export type { HeartbeatRequest, HeartbeatRequest__Output } from './gen/infermesh/registry/v1/HeartbeatRequest.js';
export type { HeartbeatResponse, HeartbeatResponse__Output } from './gen/infermesh/registry/v1/HeartbeatResponse.js';
export type { Runner, Runner__Output } from './gen/infermesh/registry/v1/Runner.js';
export type { RunnerVersion, RunnerVersion__Output } from './gen/infermesh/registry/v1/RunnerVersion.js';
export type { ListRunnersResponse, ListRunnersResponse__Output } from './gen/infermesh/registry/v1/ListRunnersResponse.js';
export type { WatchRoutesRequest, WatchRoutesRequest__Output } from './gen/infermesh/registry/v1/WatchRoutesRequest.js';
export type { RoutesUpdate, RoutesUpdate__Output } from './gen/infermesh/registry/v1/RoutesUpdate.js';
export type { ModelRoute, ModelRoute__Output } from './gen/infermesh/registry/v1/ModelRoute.js';
export type { VersionRoute, VersionRoute__Output } from './gen/infermesh/registry/v1/VersionRoute.js';
export type { VersionStats, VersionStats__Output } from './gen/infermesh/registry/v1/VersionStats.js';
export type { LatencyBucket, LatencyBucket__Output } from './gen/infermesh/registry/v1/LatencyBucket.js';
export type { ReportStatsRequest, ReportStatsRequest__Output } from './gen/infermesh/registry/v1/ReportStatsRequest.js';
export type { FetchArtifactRequest, FetchArtifactRequest__Output } from './gen/infermesh/registry/v1/FetchArtifactRequest.js';
export type { ArtifactChunk, ArtifactChunk__Output } from './gen/infermesh/registry/v1/ArtifactChunk.js';
export type { PromotionPolicy, PromotionPolicy__Output } from './gen/infermesh/registry/v1/PromotionPolicy.js';
export type { AgreementCounts, AgreementCounts__Output } from './gen/infermesh/registry/v1/AgreementCounts.js';
