/**
 * Triton's `instance_group` onto where a version runs: the registration's device and
 * replicas, and the model config's `instances`. A Triton group puts `count` instances on
 * each GPU it lists; an infermesh runner owns one device and runs `instances` per version,
 * so `count` becomes instances per runner and the GPUs become the device and replicas.
 */
import { MODEL_CONFIG_LIMITS } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import { listUnread } from './unsupported-fields.js';

/** Where a version runs and how many instances each runner holds. */
export interface Placement {
  /** any, cpu, cuda or cuda:N. */
  device: string;
  /** Runners that hold it; 0 = the registry's default. */
  replicas: number;
  /** Instances per runner; undefined = the runner's default (1). */
  instances?: number;
}

const KINDS = ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] as const;
type Kind = (typeof KINDS)[number];

interface Group {
  kind: Kind;
  count: number;
  gpus: number[];
  path: string;
}

function readGroup(group: MessageReader, notes: ImportNotes): Group {
  group.string('name');
  let kind = group.enumValue('kind', KINDS) ?? 'KIND_AUTO';
  const count = group.integer('count') ?? 1;
  if (count < 1 || count > MODEL_CONFIG_LIMITS.instances) throw new ImportRefusal('failed', `${group.pathOf('count')}: ${count} is not within infermesh's 1..${MODEL_CONFIG_LIMITS.instances} instances`);
  const gpus = [...new Set(group.integers('gpus'))].sort((a, b) => a - b);
  if (gpus.some((gpu) => gpu < 0 || gpu > 9999)) throw new ImportRefusal('failed', `${group.pathOf('gpus')}: expected GPU numbers 0..9999`);
  // Triton places KIND_AUTO instances on the GPUs a group lists.
  if (kind === 'KIND_AUTO' && gpus.length > 0) kind = 'KIND_GPU';
  if (kind === 'KIND_CPU' && gpus.length > 0) notes.ignore(group.pathOf('gpus'), 'a KIND_CPU group runs on the CPU; its gpus are not used');
  listUnread(group, notes);
  return { kind, count, gpus, path: group.path };
}

function gpuPlacement(group: Group, notes: ImportNotes): Placement {
  const instances = group.count;
  if (group.gpus.length === 1) return { device: `cuda:${group.gpus[0]}`, replicas: 0, instances };
  if (group.gpus.length > 1) {
    notes.note(
      `${group.path}: Triton runs ${instances} instance(s) on each of GPUs ${group.gpus.join(', ')}; infermesh runs ${instances} per runner on ` +
        `${group.gpus.length} CUDA runners the registry picks (device cuda, replicas ${group.gpus.length}): a version cannot be pinned to a set of GPUs`,
    );
    return { device: 'cuda', replicas: group.gpus.length, instances };
  }
  notes.note(
    `${group.path}: Triton runs ${instances} instance(s) on every GPU; infermesh runs ${instances} per runner on CUDA runners ` +
      '(device cuda; replicas: the registry default, every matching runner unless registry.defaultReplicas says otherwise)',
  );
  return { device: 'cuda', replicas: 0, instances };
}

/** The placement the groups ask for; a group that cannot be combined with the first is listed. */
export function mapInstanceGroups(readers: MessageReader[], notes: ImportNotes): Placement {
  if (readers.length === 0) return { device: 'any', replicas: 0 };
  const [first, ...others] = readers.map((reader) => readGroup(reader, notes));
  const group = { ...first! };
  for (const other of others) {
    if (other.kind !== group.kind) {
      notes.ignore(other.path, `a version runs on one kind of device; the first group's ${group.kind} is used`);
    } else if (group.kind !== 'KIND_GPU') {
      // Both groups' instances share the one device.
      group.count += other.count;
    } else if (other.count === group.count && group.gpus.length > 0 && other.gpus.length > 0 && !other.gpus.some((gpu) => group.gpus.includes(gpu))) {
      group.gpus = [...group.gpus, ...other.gpus].sort((a, b) => a - b);
    } else {
      notes.ignore(other.path, `a version runs one instance count on its GPUs; the first group (count ${group.count}${group.gpus.length > 0 ? `, gpus ${group.gpus.join(', ')}` : ''}) is used`);
    }
  }
  if (group.count > MODEL_CONFIG_LIMITS.instances) throw new ImportRefusal('failed', `instance_group: ${group.count} instances in all is over infermesh's ${MODEL_CONFIG_LIMITS.instances}`);
  if (group.kind === 'KIND_GPU') return gpuPlacement(group, notes);
  if (group.kind === 'KIND_CPU') return { device: 'cpu', replicas: 0, instances: group.count };
  if (group.kind === 'KIND_MODEL') {
    notes.ignore(`${group.path}.kind`, 'KIND_MODEL lets the backend place its instances; infermesh places a version by the runner\'s device, so it is imported for any device');
  }
  return { device: 'any', replicas: 0, instances: group.count };
}
