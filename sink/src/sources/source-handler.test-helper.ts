/** A MessageHandler whose gateway records the ids it is called with, for the source tests against local brokers. */
import { silentLogger, type SourceConfig } from '@infermesh/common';
import type { DeadLetterDocument } from '../record/record-document.js';
import { CALL_OK, type CallOutcome, type GatewayCaller } from './gateway-caller.js';
import { MessageHandler } from './MessageHandler.js';

/** A well-formed source message for the `simple` model with request id `id`. */
export const goodMessage = (id: string): string =>
  JSON.stringify({ model: 'simple', id, inputs: { INPUT0: { datatype: 'INT32', shape: [1, 1], data: [1] } } });

/** The handler, the ids its gateway was called with, and its dead letters; each call answers OK once `answered` resolves. */
export function recordingHandler(config: SourceConfig, answered: Promise<void> = Promise.resolve()) {
  const called: string[] = [];
  const deadLetters: DeadLetterDocument[] = [];
  const gateway = {
    address: 'test',
    infer: async (request: { id?: string }): Promise<CallOutcome> => {
      called.push(request.id ?? '');
      await answered;
      return { code: CALL_OK, details: '' };
    },
  } as unknown as GatewayCaller;
  const handler = new MessageHandler({ config, gateway, deadLetter: async (document) => void deadLetters.push(document), logger: silentLogger() });
  return { handler, called, deadLetters };
}
