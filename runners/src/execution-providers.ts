/** Which onnxruntime execution provider a device means, and why a session could not use it. */
import { cudaDeviceId } from '@infermesh/common/device';
import type { InferenceSession } from 'onnxruntime-node';

/**
 * Execution providers for a runner's device: `cpu`, or `cuda:N` → onnxruntime's CUDA
 * provider on device N. No CPU provider is appended for CUDA, so a missing GPU fails the
 * load instead of silently running on the CPU.
 */
export function executionProviders(device: string): InferenceSession.ExecutionProviderConfig[] {
  if (device === 'cpu') return ['cpu'];
  const deviceId = cudaDeviceId(device);
  if (deviceId === undefined) throw new Error(`unknown device '${device}'; expected 'cpu' or 'cuda:N'`);
  return [{ name: 'cuda', deviceId }];
}

/** A session load failure explained in terms an operator can act on. */
export interface LoadFailure {
  message: string;
  /** True when the machine (driver, provider, device), not the model, is at fault. */
  precondition: boolean;
}

export function explainLoadFailure(device: string, message: string): LoadFailure {
  if (device.startsWith('cuda:') && /providers_shared|providers_cuda|Failed to load (shared )?library/i.test(message)) {
    return {
      message: `device ${device}: onnxruntime's CUDA execution provider is not installed (see docs/gpus.md)`,
      precondition: true,
    };
  }
  if (device.startsWith('cuda:') && /(invalid device ordinal|no CUDA-capable device|cudaErrorNoDevice|CUDA failure 100|CUDA failure 101)/i.test(message)) {
    return { message: `device ${device}: no such CUDA device on this machine`, precondition: true };
  }
  if (/Unsupported data type: 16\b/.test(message)) {
    return { message: 'the model has BF16 (bfloat16) inputs or outputs, which onnxruntime-node cannot hold', precondition: false };
  }
  return { message: message.split('\n')[0] ?? message, precondition: false };
}
