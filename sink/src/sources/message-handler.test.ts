import { status } from '@grpc/grpc-js';
import { silentLogger, sourceSchema } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import type { DeadLetterDocument } from '../record/record-document.js';
import type { GatewayCaller } from './gateway-caller.js';
import { MessageHandler } from './MessageHandler.js';

const config = sourceSchema.parse({ name: 'in', type: 'nats', subject: 'in' });
const gateway = { address: '127.0.0.1:1', infer: async () => ({ code: status.OK, details: '' }) } as unknown as GatewayCaller;
const handler = (deadLetter: (document: DeadLetterDocument) => Promise<void>) => new MessageHandler({ config, gateway, deadLetter, logger: silentLogger() });

describe('MessageHandler', () => {
  it('resolves done with true once a message has its outcome', async () => {
    const stored: DeadLetterDocument[] = [];
    const subject = handler(async (document) => void stored.push(document));
    expect(await (await subject.submit(Buffer.from('not json'), 'in')).done).toBe(true);
    expect(stored).toHaveLength(1);
    expect(subject.outcomes).toEqual({ ok: 0, error: 0, deadLettered: 1 });
  });

  it('resolves done with false, never rejects, when a dead letter cannot be stored', async () => {
    const subject = handler(() => Promise.reject(new Error('spool full')));
    expect(await (await subject.submit(Buffer.from('not json'), 'in')).done).toBe(false);
    expect(await subject.reject(Buffer.from('x'), 'in', 'no message field')).toBe(false);
    expect(subject.outcomes.deadLettered).toBe(0);
    await subject.drain();
  });
});
