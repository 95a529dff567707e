import { randomBytes } from 'node:crypto';
import { silentLogger, sourceSchema, type MqttSourceConfig } from '@infermesh/common';
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { MqttSource } from './mqtt-source.js';
import { goodMessage, recordingHandler } from './source-handler.test-helper.js';

const available = await localServicesAvailable('mqtt');

describe.skipIf(!available)('MQTT source', () => {
  it('never loads a message far over maxMessageBytes: the broker drops it, and the next message is served', { timeout: 60_000 }, async () => {
    const topic = `infermesh/test/${randomBytes(5).toString('hex')}`;
    const config = sourceSchema.parse({ name: 'in', type: 'mqtt', url: LOCAL_SERVICES.mqtt.url, topic, maxMessageBytes: 1024 }) as MqttSourceConfig;
    const { handler, called, deadLetters } = recordingHandler(config);
    const source = new MqttSource(config, handler, silentLogger());
    await source.ready;
    const publisher = await mqtt.connectAsync(LOCAL_SERVICES.mqtt.url);
    try {
      // 4 MiB: over the packet size the source told the broker it takes.
      await publisher.publishAsync(topic, Buffer.alloc(4 * 1024 * 1024, 0x20), { qos: 1 });
      // Just over maxMessageBytes: loaded, and dead-lettered naming the limit.
      await publisher.publishAsync(topic, ' '.repeat(2048), { qos: 1 });
      await publisher.publishAsync(topic, goodMessage('after'), { qos: 1 });
      await pollUntil(async () => called.length > 0, { timeoutMs: 30_000, intervalMs: 20, what: 'the good message', describe: async () => ({ called, deadLetters: deadLetters.length }) });
      expect(called).toEqual(['after']);
      expect(deadLetters.map((d) => [d.messageBytes, d.reason])).toEqual([[2048, 'message is 2048 bytes, over the source\'s maxMessageBytes of 1024']]);
    } finally {
      await publisher.endAsync();
      await source.close();
    }
  });
});
