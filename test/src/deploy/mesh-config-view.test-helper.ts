/**
 * The mesh config a rendered overlay carries in its ConfigMap, read as plain YAML: the keys the
 * manifests must agree with (ports, hosts, writable paths, runner entries). Its validation by the
 * project's loader is k8s-config.test.ts.
 */
import path from 'node:path';
import { parse } from 'yaml';
import type { IConfigMap } from 'kubernetes-models/v1';
import { nameOf, type Rendered } from './k8s-objects.test-helper.js';

/** The ConfigMap's key, the file INFERMESH_CONFIG names. */
export const MESH_CONFIG_KEY = 'infermesh.yaml';

interface Listener {
  host: string;
  port: number;
}

/** A runners[] entry. */
export interface RunnerEntryView extends Listener {
  name: string;
  device: string;
  metricsPort: number;
  modelRepository: string;
  artifactCache?: { dir: string; maxBytes: number };
}

/** The keys of the mesh config that the manifests depend on. */
export interface MeshConfigView {
  dataDir: string;
  runners: RunnerEntryView[];
  gateway: Listener & { httpPort: number };
  registry: Listener & { metricsPort: number };
  sink: Listener & { metricsPort: number; spool?: { dir?: string }; publisher?: { address?: string } };
}

/** The generated ConfigMap holding the mesh config (named infermesh-config-<hash>). */
export function meshConfigMap(rendered: Rendered): IConfigMap {
  const maps = rendered.configMaps.filter((map) => nameOf(map).startsWith('infermesh-config'));
  if (maps.length !== 1) throw new Error(`expected one infermesh-config ConfigMap, found ${maps.length}`);
  return maps[0]!;
}

/** The mesh config text of a rendered overlay. */
export function meshConfigText(rendered: Rendered): string {
  const text = meshConfigMap(rendered).data?.[MESH_CONFIG_KEY];
  if (text === undefined) throw new Error(`the infermesh-config ConfigMap has no key ${MESH_CONFIG_KEY}`);
  return text;
}

/** The mesh config of a rendered overlay, parsed. */
export function meshConfigOf(rendered: Rendered): MeshConfigView {
  return parse(meshConfigText(rendered)) as MeshConfigView;
}

/** The runner entry called `name`; throws when there is none. */
export function runnerEntry(mesh: MeshConfigView, name: string | undefined): RunnerEntryView {
  const entry = mesh.runners.find((runner) => runner.name === name);
  if (!entry) throw new Error(`no runners[] entry named ${name} in the mesh config`);
  return entry;
}

/** Where the sink spools: sink.spool.dir (relative to dataDir), else <dataDir>/sink/spool. */
export function spoolDir(mesh: MeshConfigView): string {
  return path.resolve(mesh.dataDir, mesh.sink.spool?.dir ?? path.join('sink', 'spool'));
}
