import { describe, expect, it } from 'vitest';
import type { ModelVersionStatus__Output, StatusResponse__Output } from '@infermesh/proto';
import { restorableVersions } from './restorable-versions.js';

const version = (name: string, v: string, state: string, artifact: string, sha256 = '') =>
  ({ name, version: v, state, artifact_path: artifact, artifact_sha256: sha256 }) as ModelVersionStatus__Output;

describe('restorableVersions', () => {
  it('keeps READY versions whose artifact is not their own file of the repository', () => {
    const status = {
      models: [
        version('mlp', '1', 'READY', '/repo/mlp/1/model.onnx'),
        version('mlp', '3', 'READY', '/artifacts/mlp-3.onnx'),
        version('mlp', '4', 'READY', '/repo/mlp/1/model.onnx'),
        version('mlp', '7', 'READY', '/cache/ab.onnx', 'ab'.repeat(32)),
        version('mlp', '5', 'FAILED', '/artifacts/broken.onnx'),
        version('mlp', '6', 'LOADING', '/artifacts/mlp-6.onnx'),
        version('heavy', '2', 'UNLOADING', '/artifacts/heavy.onnx'),
      ],
    } as StatusResponse__Output;
    expect(restorableVersions(status, '/repo/')).toEqual([
      { name: 'mlp', version: '3', artifactPath: '/artifacts/mlp-3.onnx', artifactSha256: '' },
      { name: 'mlp', version: '4', artifactPath: '/repo/mlp/1/model.onnx', artifactSha256: '' },
      { name: 'mlp', version: '7', artifactPath: '/cache/ab.onnx', artifactSha256: 'ab'.repeat(32) },
    ]);
  });
});
