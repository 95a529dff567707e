/**
 * MQTT (Mosquitto) and Redis stream sources: each message becomes an inference through the
 * gateway, whose record reaches the sink's destinations; malformed messages (and a stream
 * entry without the message field) land in the default dead-letter destination with the reason.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropRedisStream, jsonlDocuments } from './destination-readers.js';
import { startSinkMesh, type SinkMesh } from './sink-mesh.js';

const available = await localServicesAvailable('mqtt', 'redis');
const suffix = randomBytes(5).toString('hex');
const topic = `infermesh/inputs/${suffix}`;
const stream = `infermesh:inputs:${suffix}`;

const good = (id: string) =>
  JSON.stringify({
    model: 'simple',
    id,
    inputs: {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: Array(16).fill(2) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: Array(16).fill(3) },
    },
  });

let mesh: SinkMesh;

describe.skipIf(!available)('MQTT and Redis stream sources', () => {
  beforeAll(async () => {
    mesh = await startSinkMesh({
      sink: {
        destinations: [{ name: 'files', type: 'jsonl', batch: { maxDelayMs: 50 } }],
        sources: [
          { name: 'mqtt-in', type: 'mqtt', url: LOCAL_SERVICES.mqtt.url, topic: `${topic}/#`, qos: 1 },
          { name: 'redis-in', type: 'redis', url: LOCAL_SERVICES.redis.url, stream, group: `g-${suffix}` },
        ],
      },
    });
    await mesh.sinkLogged('source subscribed', 2);
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await dropRedisStream(LOCAL_SERVICES.redis.url, stream).catch(() => undefined);
  });

  it('infer every well-formed message and dead-letter the rest with the reason', async () => {
    const client = await mqtt.connectAsync(LOCAL_SERVICES.mqtt.url);
    for (let i = 0; i < 30; i++) await client.publishAsync(`${topic}/device-${i % 3}`, i % 10 === 9 ? 'not json' : good(`mqtt-${i}`), { qos: 1 });
    await client.endAsync();
    const redis = new Redis(LOCAL_SERVICES.redis.url);
    for (let i = 0; i < 30; i++) await redis.xadd(stream, '*', 'message', i % 10 === 9 ? '{"model": 5}' : good(`redis-${i}`));
    await redis.xadd(stream, '*', 'other', 'field');

    const filesDir = join(mesh.dataDir, 'predictions');
    const deadDir = join(mesh.dataDir, 'sink', 'dead-letters');
    const counts = async () => ({
      predictions: (await jsonlDocuments(filesDir, 'files')).length,
      dead: (await jsonlDocuments(deadDir, 'source-dead-letters')).length,
    });
    await pollUntil(async () => {
      const { predictions, dead } = await counts();
      return predictions >= 54 && dead >= 7;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'every outcome', describe: counts });

    const predictions = await jsonlDocuments(filesDir, 'files');
    const expected = [...Array(30).keys()].filter((i) => i % 10 !== 9);
    expect(new Set(predictions.map((d) => d.requestId))).toEqual(new Set([...expected.map((i) => `mqtt-${i}`), ...expected.map((i) => `redis-${i}`)]));
    expect(predictions.every((d) => d.status === 'OK')).toBe(true);
    const dead = await jsonlDocuments(deadDir, 'source-dead-letters');
    expect(dead.filter((d) => d.source === 'mqtt-in').map((d) => [d.channel, d.reason, d.message])).toEqual(
      [9, 19, 29].map((i) => [`${topic}/device-${i % 3}`, expect.stringMatching(/^not JSON: /), 'not json']),
    );
    const fromRedis = dead.filter((d) => d.source === 'redis-in').map((d) => d.reason);
    expect(fromRedis.filter((reason) => reason === 'model: Invalid input: expected string, received number')).toHaveLength(3);
    expect(fromRedis.filter((reason) => /^stream entry \d+-\d+ has no field 'message'$/.test(String(reason)))).toHaveLength(1);

    // Every stream entry was acknowledged once it had its outcome.
    await pollUntil(async () => ((await redis.xpending(stream, `g-${suffix}`)) as [number])[0] === 0, { timeoutMs: 30_000, what: 'no pending entries' });
    redis.disconnect();
  }, 120_000);
});
