/**
 * A Triton model repository written to a temporary folder for the import tests: models
 * infermesh imports, one per reason it skips or fails a model, and version folders it
 * passes over.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, identityModel, mlpModel, simpleModel } from '@infermesh/testkit';

/** Its folder and a way to remove it. */
export interface TritonFixture {
  root: string;
  remove(): Promise<void>;
}

const MLP_CONFIG = `
name: "good"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [ { name: "input" data_type: TYPE_FP32 dims: [ 64 ] } ]
output [ { name: "output" data_type: TYPE_FP32 dims: [ 10 ] } ]
dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 200 }
version_policy: { specific: { versions: [ 1 ] } }
model_warmup [ { name: "zeros" batch_size: 1 inputs { key: "input" value: { data_type: TYPE_FP32 dims: [ 64 ] zero_data: true } } } ]
`;

// simpleModel() takes INT32: this config's INT8 and 8-wide INPUT1 cannot match it.
const MISMATCH_CONFIG = `
max_batch_size: 8
input [
  { name: "INPUT0" data_type: TYPE_INT8 dims: [ 16 ] },
  { name: "INPUT1" data_type: TYPE_INT32 dims: [ 8 ] }
]
`;

/** Writes the repository; `files` maps paths under it to their contents. */
export async function writeTritonFixture(): Promise<TritonFixture> {
  const root = await mkdtemp(join(tmpdir(), 'infermesh-triton-'));
  const files: Record<string, string | Uint8Array> = {
    'good/config.pbtxt': MLP_CONFIG,
    'good/1/model.onnx': mlpModel(1),
    'good/2/model.onnx': mlpModel(2),
    'good/3/README.txt': 'no model here',
    'good/latest/model.onnx': mlpModel(2),
    'tf/config.pbtxt': 'name: "tf"\nplatform: "tensorflow_savedmodel"\n',
    'tf/1/model.savedmodel/saved_model.pb': 'not read',
    'renamed/config.pbtxt': 'name: "something_else"\nbackend: "onnxruntime"\n',
    'renamed/1/model.onnx': simpleModel(),
    'mismatch/config.pbtxt': MISMATCH_CONFIG,
    'mismatch/1/model.onnx': simpleModel(),
    'bare/1/model.onnx': identityModel(DataType.FLOAT),
    'broken/config.pbtxt': 'name: "broken"\nmax_batch_size 8\n',
    'broken/1/model.onnx': simpleModel(),
  };
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), contents);
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
