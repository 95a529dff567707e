/** The key a request's answer is cached under: a hash of everything that decides the answer. */
import { createHash } from 'node:crypto';
import type { ModelInferRequest__Output } from '@infermesh/proto';
import type { PreparedRun } from './prepare-inputs.js';
import type { Signature } from './signature.js';

/**
 * Request parameters that change when or whether a request runs, never what it answers; any
 * other parameter is part of the key, as the runner cannot tell whether it matters.
 */
const SCHEDULING_PARAMETERS: ReadonlySet<string> = new Set(['priority', 'timeout']);

/**
 * sha256 over the inputs in signature order (name, element type, shape, data bytes), the
 * outputs asked for, in order, and the request parameters that are not about scheduling.
 * The decoded inputs are hashed, so the same tensor sent raw or as typed contents is one key.
 */
export function responseCacheKey(signature: Signature, run: PreparedRun, request: ModelInferRequest__Output): string {
  const hash = createHash('sha256');
  for (const { name } of signature.inputs) {
    const tensor = run.feeds[name]!;
    hash.update(`${name}\0${tensor.type}\0${tensor.dims.join(',')}\0`);
    const data = tensor.data;
    if (Array.isArray(data)) {
      for (const element of data) hash.update(`${Buffer.byteLength(element)}:`).update(element);
    } else {
      hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  hash.update(`>${run.fetches.join('\0')}`);
  const parameters = Object.keys(request.parameters ?? {})
    .filter((name) => !SCHEDULING_PARAMETERS.has(name))
    .sort();
  for (const name of parameters) hash.update(`\0${name}=${JSON.stringify(request.parameters[name])}`);
  return hash.digest('base64');
}
