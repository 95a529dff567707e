// Original file: infermesh/runner/v1/runner.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { StatusRequest as _infermesh_runner_v1_StatusRequest, StatusRequest__Output as _infermesh_runner_v1_StatusRequest__Output } from '../../../infermesh/runner/v1/StatusRequest.js';
import type { StatusResponse as _infermesh_runner_v1_StatusResponse, StatusResponse__Output as _infermesh_runner_v1_StatusResponse__Output } from '../../../infermesh/runner/v1/StatusResponse.js';

export interface RunnerControlClient extends grpc.Client {
  Status(argument: _infermesh_runner_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _infermesh_runner_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _infermesh_runner_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _infermesh_runner_v1_StatusRequest, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _infermesh_runner_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _infermesh_runner_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _infermesh_runner_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _infermesh_runner_v1_StatusRequest, callback: grpc.requestCallback<_infermesh_runner_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RunnerControlHandlers extends grpc.UntypedServiceImplementation {
  Status: grpc.handleUnaryCall<_infermesh_runner_v1_StatusRequest__Output, _infermesh_runner_v1_StatusResponse>;
  
}

export interface RunnerControlDefinition extends grpc.ServiceDefinition {
  Status: MethodDefinition<_infermesh_runner_v1_StatusRequest, _infermesh_runner_v1_StatusResponse, _infermesh_runner_v1_StatusRequest__Output, _infermesh_runner_v1_StatusResponse__Output>
}
