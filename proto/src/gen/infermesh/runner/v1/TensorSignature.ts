// Original file: infermesh/runner/v1/runner.proto

import type { Long } from '@grpc/proto-loader';

export interface TensorSignature {
  'name'?: (string);
  'datatype'?: (string);
  'shape'?: (number | string | Long)[];
}

export interface TensorSignature__Output {
  'name': (string);
  'datatype': (string);
  'shape': (string)[];
}
