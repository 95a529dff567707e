/**
 * One Triton model config (parsed config.pbtxt) mapped onto what infermesh registers: the
 * runner model config, the device and replicas, the signature to check, and which version
 * serves. What infermesh cannot honour is listed in the notes; a model it cannot serve at
 * all is refused as skipped, a config that is wrong as failed.
 */
import { MODEL_CONFIG_LIMITS, parseModelConfig } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import { mapDynamicBatching } from './map-dynamic-batching.js';
import { mapResponseCache } from './map-response-cache.js';
import { mapInstanceGroups, type Placement } from './map-instance-group.js';
import { mapOptimization, mapParameters } from './map-optimization.js';
import { mapSequenceBatching } from './map-sequence-batching.js';
import { readTensors, type ExpectedTensor } from './map-tensors.js';
import { MessageReader } from './message-reader.js';
import type { PbMessage } from './pbtxt.js';
import type { RunnerConfig } from './runner-config.js';
import { ignoreField, listUnread } from './unsupported-fields.js';
import { readVersionPolicy, type VersionPolicy } from './version-policy.js';

/** What a model's config.pbtxt comes to in infermesh. */
export interface MappedModel {
  config: RunnerConfig;
  placement: Placement;
  maxBatchSize: number;
  inputs: ExpectedTensor[];
  outputs: ExpectedTensor[];
  versionPolicy: VersionPolicy;
  /** The file each version folder holds. */
  modelFilename: string;
}

const DEFAULT_MODEL_FILENAME = 'model.onnx';
const ONNX_ONLY = 'infermesh serves ONNX models with onnxruntime only (platform onnxruntime_onnx or backend onnxruntime)';

const skipped = (reason: string) => new ImportRefusal('skipped', reason);

/** Refuses every model that is not an onnxruntime model, or that needs a scheduler infermesh lacks. */
function checkServable(top: MessageReader, notes: ImportNotes): void {
  const platform = top.string('platform') ?? '';
  const backend = top.string('backend') ?? '';
  if (platform === 'ensemble' || top.has('ensemble_scheduling')) {
    throw skipped('ensembles are not supported: infermesh serves one ONNX model per call; chain the models in the caller');
  }
  if (platform !== '' && platform !== 'onnxruntime_onnx') throw skipped(`platform '${platform}': ${ONNX_ONLY}`);
  if (backend !== '' && backend !== 'onnxruntime') throw skipped(`backend '${backend}': ${ONNX_ONLY}`);
  if (platform === '' && backend === '') notes.note('no platform or backend given: taken as onnxruntime, as Triton does for .onnx files');
}

function readMaxBatchSize(top: MessageReader): number {
  const size = top.integer('max_batch_size') ?? 0;
  if (size < 0 || size > MODEL_CONFIG_LIMITS.maxBatchSize) throw new ImportRefusal('failed', `max_batch_size: ${size} is not within infermesh's 0..${MODEL_CONFIG_LIMITS.maxBatchSize}`);
  return size;
}

function readModelFilename(top: MessageReader): string {
  const filename = top.string('default_model_filename') || DEFAULT_MODEL_FILENAME;
  if (/[/\\]/.test(filename) || filename === '.' || filename === '..') {
    throw new ImportRefusal('failed', `default_model_filename: '${filename}' must be a file name inside each version folder`);
  }
  return filename;
}

/**
 * Maps a model's config; `directory` is its folder's name, which `name` must equal.
 * Throws ImportRefusal, or PbtxtError for a value of the wrong kind.
 */
export function mapTritonConfig(message: PbMessage, directory: string, notes: ImportNotes): MappedModel {
  const top = new MessageReader(message);
  const name = top.string('name');
  if (name && name !== directory) throw skipped(`name '${name}' in config.pbtxt differs from its folder '${directory}'; Triton requires them to be equal`);
  checkServable(top, notes);

  const maxBatchSize = readMaxBatchSize(top);
  const config: RunnerConfig = maxBatchSize > 0 ? { max_batch_size: maxBatchSize } : {};
  const batching = top.message('dynamic_batching');
  if (batching) Object.assign(config, mapDynamicBatching(batching, maxBatchSize, notes));
  const placement = mapInstanceGroups(top.messages('instance_group'), notes);
  if (placement.instances !== undefined && placement.instances !== 1) config.instances = placement.instances;
  const optimization = top.message('optimization');
  if (optimization) Object.assign(config, mapOptimization(optimization, notes));
  Object.assign(config, mapParameters(top.messages('parameters'), notes));
  const sequence = top.message('sequence_batching');
  if (sequence) Object.assign(config, mapSequenceBatching(sequence, notes));
  const cache = top.message('response_cache');
  if (cache) Object.assign(config, mapResponseCache(cache, notes));
  // The runner's own schema has the last word, so a config that would fail to load fails the import.
  try {
    parseModelConfig(config, 'the mapped model config');
  } catch (error) {
    throw new ImportRefusal('failed', (error as Error).message);
  }

  const mapped: MappedModel = {
    config,
    placement,
    maxBatchSize,
    inputs: readTensors(top.messages('input'), notes),
    outputs: readTensors(top.messages('output'), notes),
    versionPolicy: readVersionPolicy(top.message('version_policy'), notes),
    modelFilename: readModelFilename(top),
  };
  // Harmless when false; a decoupled model answers in ways infermesh cannot.
  const transactions = top.message('model_transaction_policy');
  if (transactions?.boolean('decoupled')) ignoreField(top, 'model_transaction_policy', notes);
  if (transactions) listUnread(transactions, notes);
  listUnread(top, notes);
  return mapped;
}

/** A model folder without config.pbtxt: the runner's defaults, any device, Triton's default policy. */
export function defaultMapping(notes: ImportNotes): MappedModel {
  notes.note("no config.pbtxt: imported with infermesh's defaults (not batched: max_batch_size 0; any device); the signature comes from the ONNX file");
  return {
    config: {},
    placement: { device: 'any', replicas: 0 },
    maxBatchSize: 0,
    inputs: [],
    outputs: [],
    versionPolicy: { kind: 'latest', count: 1 },
    modelFilename: DEFAULT_MODEL_FILENAME,
  };
}
