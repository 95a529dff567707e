// Original file: infermesh/runner/v1/runner.proto

import type { TensorSignature as _infermesh_runner_v1_TensorSignature, TensorSignature__Output as _infermesh_runner_v1_TensorSignature__Output } from '../../../infermesh/runner/v1/TensorSignature.js';

export interface ModelVersionStatus {
  'name'?: (string);
  'version'?: (string);
  'state'?: (string);
  'reason'?: (string);
  'inputs'?: (_infermesh_runner_v1_TensorSignature)[];
  'outputs'?: (_infermesh_runner_v1_TensorSignature)[];
  'platform'?: (string);
}

export interface ModelVersionStatus__Output {
  'name': (string);
  'version': (string);
  'state': (string);
  'reason': (string);
  'inputs': (_infermesh_runner_v1_TensorSignature__Output)[];
  'outputs': (_infermesh_runner_v1_TensorSignature__Output)[];
  'platform': (string);
}
