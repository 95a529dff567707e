/**
 * Payload rows: one BYTES element of 1 KiB and of 1 MiB raw contents on `strings` (an
 * identity model, so the answer carries the payload back), through forwarder → echo and
 * through gateway → runner, at one concurrency. What a 1 MiB call costs over a 1 KiB one
 * in the hop's own process says whether the hop copies or decodes tensor bytes.
 */
import { encodeRaw } from '@infermesh/common';
import { inferenceProto, type ModelInferResponse__Output } from '@infermesh/proto';
import { startBenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow, involvedChild, startForwardedEcho } from './hop-rows.js';
import { withChild, type Window } from './measure.js';
import type { BenchPath, BenchRow } from './report.js';

/** The two sizes of `raw_input_contents`, the smaller first. */
export const PAYLOAD_BYTES = [1024, 2 ** 20] as const;
/** Calls in flight on the payload rows: 64 MiB in flight at c=64 would measure memory, not the hop. */
export const PAYLOAD_CONCURRENCY = 8;
const MODEL = 'strings';
/** Bytes of the length that prefixes a raw BYTES element. */
const BYTES_PREFIX = 4;

const { ModelInfer } = inferenceProto.GRPCInferenceService.service;

/** A `strings` request whose one raw content is exactly `size` bytes. */
function payloadRequest(size: number): Buffer {
  return ModelInfer.requestSerialize({
    model_name: MODEL,
    inputs: [{ name: 'INPUT', datatype: 'BYTES', shape: [1, 1] }],
    raw_input_contents: [encodeRaw(['x'.repeat(size - BYTES_PREFIX)])],
  });
}

/** Throws unless the answer carries the payload back as one raw output of `size` bytes. */
function checkEcho(size: number): (response: Buffer) => void {
  return (bytes) => {
    const response = ModelInfer.responseDeserialize(bytes) as ModelInferResponse__Output;
    const got = response.raw_output_contents[0]?.length;
    if (got !== size) throw new Error(`${MODEL}: expected ${size} bytes of raw output, got ${got ?? 'none'}`);
  };
}

/** For each path, the 1 KiB row then the 1 MiB row, both on one set of processes. */
export async function payloadRows(repository: string, window: Window): Promise<BenchRow[]> {
  const at = (path: BenchPath) => ({ model: MODEL, concurrency: PAYLOAD_CONCURRENCY, path });
  const sized = (row: BenchRow, payloadBytes: number): BenchRow => ({ ...row, payloadBytes });
  const rows: BenchRow[] = [];
  await withChild(startForwardedEcho, async ({ echo, forwarder }) => {
    const involved = [BENCH, involvedChild('forwarder', forwarder), involvedChild('echo', echo)];
    for (const size of PAYLOAD_BYTES) {
      rows.push(sized(await grpcRow(at('http2-forwarder'), forwarder.address, payloadRequest(size), 'echo', involved, window), size));
    }
  });
  await withChild(
    () => startBenchMesh({ repository, models: [{ name: MODEL, probe: payloadRequest(PAYLOAD_BYTES[0]) }] }),
    async (mesh) => {
      const involved = [BENCH, ...mesh.gatewayPath];
      for (const size of PAYLOAD_BYTES) {
        rows.push(sized(await grpcRow(at('gateway'), mesh.gateway, payloadRequest(size), checkEcho(size), involved, window), size));
      }
    },
  );
  return rows;
}
