/**
 * deploy/grafana/infermesh-dashboard.json is valid Grafana JSON whose every query names only
 * metrics the services export: each name is checked against the /metrics pages of a real
 * gateway, runner, registry and sink (their TYPE lines, so no traffic is needed). Each page is
 * also held to promtool's rules.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryConfig, resolveConfig, silentLogger } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { createSink, type Sink } from '@infermesh/sink';
import { lintExposition, scrape } from '@infermesh/testkit';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

const DASHBOARD = fileURLToPath(new URL('../../../deploy/grafana/infermesh-dashboard.json', import.meta.url));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource: { uid: string } }[];
}

let dir: string;
let mesh: InProcessMesh | undefined;
let registry: RunningRegistry | undefined;
let sink: Sink | undefined;
const pages: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-dashboard-'));
  mesh = await startInProcessMesh({ readyModel: 'mlp', runner: { metricsPort: 0 }, gateway: { httpPort: 0 } });
  registry = await createRegistry({ config: parseRegistryConfig({ port: 0, metricsPort: 0 }), dataDir: dir, maxMessageBytes: 1 << 24, logger: silentLogger() });
  const config = resolveConfig({ dataDir: dir, runners: [{ name: 'r', device: 'cpu' }], sink: { port: 0, metricsPort: 0, destinations: [{ name: 'out', type: 'jsonl' }] } }, {}, { source: 'test' });
  sink = await createSink(config.sink, { logger: silentLogger() });
  pages.gateway = await scrape(mesh.gateway.httpAddress!);
  pages.runner = await scrape(mesh.runner.metricsAddress!);
  pages.registry = await scrape(registry.metricsAddress!);
  pages.sink = await scrape(sink.metricsAddress!);
}, 120_000);

afterAll(async () => {
  await mesh?.close();
  await registry?.close();
  await sink?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every sample name the pages can hold: each family, and a histogram's _bucket, _sum and _count. */
function exportedNames(): Set<string> {
  const names = new Set<string>();
  for (const text of Object.values(pages)) {
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name!);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    }
  }
  return names;
}

describe('Grafana dashboard', () => {
  it('every service page passes promtool-style checks', () => {
    for (const [service, text] of Object.entries(pages)) expect(lintExposition(text), service).toEqual([]);
  });

  it('is a dashboard whose queries name only exported metrics', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    expect(dashboard.uid).toBe('infermesh');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const exported = exportedNames();
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        expect(target.datasource.uid).toBe('${datasource}');
        const names = target.expr.match(/\binfermesh_[a-z0-9_]+/g) ?? [];
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${panel.title}: ${name} is not on any /metrics page`).toBe(true);
          used.add(name);
        }
      }
    }
    // Each service has a panel.
    for (const prefix of ['infermesh_gateway_', 'infermesh_runner_', 'infermesh_registry_', 'infermesh_sink_', 'infermesh_process_']) {
      expect([...used].some((name) => name.startsWith(prefix)), prefix).toBe(true);
    }
  });
});
