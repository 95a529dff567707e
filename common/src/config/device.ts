/**
 * Device names. Nothing else is imported here, so a model instance's worker thread can read
 * it (`@infermesh/common/device`) without loading the rest of common.
 */

/** The N of a `cuda:N` device, or undefined for any other device. */
export function cudaDeviceId(device: string): number | undefined {
  const match = /^cuda:(\d+)$/.exec(device);
  return match ? Number(match[1]) : undefined;
}
