// Original file: infermesh/runner/v1/runner.proto

import type { ModelVersionStatus as _infermesh_runner_v1_ModelVersionStatus, ModelVersionStatus__Output as _infermesh_runner_v1_ModelVersionStatus__Output } from '../../../infermesh/runner/v1/ModelVersionStatus.js';

export interface StatusResponse {
  'runner_name'?: (string);
  'device'?: (string);
  'ready'?: (boolean);
  'models'?: (_infermesh_runner_v1_ModelVersionStatus)[];
  'version'?: (string);
}

export interface StatusResponse__Output {
  'runner_name': (string);
  'device': (string);
  'ready': (boolean);
  'models': (_infermesh_runner_v1_ModelVersionStatus__Output)[];
  'version': (string);
}
