import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ModelVersionStatus as _infermesh_runner_v1_ModelVersionStatus, ModelVersionStatus__Output as _infermesh_runner_v1_ModelVersionStatus__Output } from './infermesh/runner/v1/ModelVersionStatus.js';
import type { RunnerControlClient as _infermesh_runner_v1_RunnerControlClient, RunnerControlDefinition as _infermesh_runner_v1_RunnerControlDefinition } from './infermesh/runner/v1/RunnerControl.js';
import type { StatusRequest as _infermesh_runner_v1_StatusRequest, StatusRequest__Output as _infermesh_runner_v1_StatusRequest__Output } from './infermesh/runner/v1/StatusRequest.js';
import type { StatusResponse as _infermesh_runner_v1_StatusResponse, StatusResponse__Output as _infermesh_runner_v1_StatusResponse__Output } from './infermesh/runner/v1/StatusResponse.js';
import type { TensorSignature as _infermesh_runner_v1_TensorSignature, TensorSignature__Output as _infermesh_runner_v1_TensorSignature__Output } from './infermesh/runner/v1/TensorSignature.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  infermesh: {
    runner: {
      v1: {
        ModelVersionStatus: MessageTypeDefinition<_infermesh_runner_v1_ModelVersionStatus, _infermesh_runner_v1_ModelVersionStatus__Output>
        RunnerControl: SubtypeConstructor<typeof grpc.Client, _infermesh_runner_v1_RunnerControlClient> & { service: _infermesh_runner_v1_RunnerControlDefinition }
        StatusRequest: MessageTypeDefinition<_infermesh_runner_v1_StatusRequest, _infermesh_runner_v1_StatusRequest__Output>
        StatusResponse: MessageTypeDefinition<_infermesh_runner_v1_StatusResponse, _infermesh_runner_v1_StatusResponse__Output>
        TensorSignature: MessageTypeDefinition<_infermesh_runner_v1_TensorSignature, _infermesh_runner_v1_TensorSignature__Output>
      }
    }
  }
}

