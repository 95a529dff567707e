/**
 * `infermesh.sink.v1`: the sink's API (prediction records from gateways), imported as
 * `@infermesh/proto/sink`. Types are generated into src/gen by proto-loader-gen-types.
 */
import { grpcObject } from './index.js';
import type { ProtoGrpcType as SinkProtoType } from './gen/sink.js';

/** `infermesh.sink.v1`: the Sink service and its messages, as grpc-js loaded them. */
export const sinkProto = (grpcObject as unknown as SinkProtoType).infermesh.sink.v1;

/** Fully qualified method path of Publish. */
export const SINK_PUBLISH_PATH = '/infermesh.sink.v1.Sink/Publish';

export type { SinkClient, SinkHandlers, SinkDefinition } from './gen/infermesh/sink/v1/Sink.js';
export type { PredictionRecord, PredictionRecord__Output } from './gen/infermesh/sink/v1/PredictionRecord.js';
export type { ShadowComparison, ShadowComparison__Output } from './gen/infermesh/sink/v1/ShadowComparison.js';
export type { RecordTensor, RecordTensor__Output } from './gen/infermesh/sink/v1/RecordTensor.js';
export type { PublishRequest, PublishRequest__Output } from './gen/infermesh/sink/v1/PublishRequest.js';
export type { PublishAck, PublishAck__Output } from './gen/infermesh/sink/v1/PublishAck.js';
export type { StatusResponse as SinkStatusResponse, StatusResponse__Output as SinkStatusResponse__Output } from './gen/infermesh/sink/v1/StatusResponse.js';
export type { DestinationStatus, DestinationStatus__Output } from './gen/infermesh/sink/v1/DestinationStatus.js';
