import { describe, expect, it } from 'vitest';
import { executionProviders, explainLoadFailure } from './execution-providers.js';

describe('execution providers', () => {
  it('asks onnxruntime for the CUDA provider on the runner’s device id, with no CPU provider behind it', () => {
    expect(executionProviders('cuda:1')).toEqual([{ name: 'cuda', deviceId: 1 }]);
    expect(executionProviders('cuda:0')).toEqual([{ name: 'cuda', deviceId: 0 }]);
    expect(executionProviders('cpu')).toEqual(['cpu']);
  });

  it('refuses a device it does not know', () => {
    expect(() => executionProviders('tpu:0')).toThrow("unknown device 'tpu:0'; expected 'cpu' or 'cuda:N'");
  });

  it('explains onnxruntime’s load failures as device problems an operator can act on', () => {
    expect(explainLoadFailure('cuda:1', 'Failed to load library libonnxruntime_providers_cuda.so')).toEqual({
      message: "device cuda:1: onnxruntime's CUDA execution provider is not installed (see docs/gpus.md)",
      precondition: true,
    });
    expect(explainLoadFailure('cuda:3', 'CUDA failure 101: invalid device ordinal')).toEqual({
      message: 'device cuda:3: no such CUDA device on this machine',
      precondition: true,
    });
    expect(explainLoadFailure('cpu', 'Load model failed: protobuf parsing failed\nmore')).toEqual({
      message: 'Load model failed: protobuf parsing failed',
      precondition: false,
    });
  });
});
