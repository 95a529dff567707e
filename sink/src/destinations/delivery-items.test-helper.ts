/** Test support: prediction documents as destinations receive them. */
import { randomUUID } from 'node:crypto';
import type { DeliveryItem } from './Destination.js';
import type { PredictionDocument } from '../record/record-document.js';

/** A prediction document with made-up values; `overrides` replaces any field. */
export function predictionDoc(overrides: Partial<PredictionDocument> = {}): PredictionDocument {
  return {
    kind: 'prediction',
    id: randomUUID(),
    time: new Date().toISOString(),
    requestId: 'req',
    modelName: 'mlp',
    modelVersion: '1',
    requestedVersion: '',
    runner: '127.0.0.1:8101',
    device: 'cpu',
    latencyMs: 1.25,
    status: 'OK',
    error: '',
    outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 2], data: [0.5, 1.5] }],
    headers: {},
    traceId: '',
    ...overrides,
  };
}

/** `count` delivery items numbered from `firstSeq`. */
export function deliveryItems(count: number, firstSeq = 1, overrides: Partial<PredictionDocument> = {}): DeliveryItem[] {
  return Array.from({ length: count }, (_, i) => {
    const document = predictionDoc({ requestId: `req-${firstSeq + i}`, ...overrides });
    return { seq: firstSeq + i, id: document.id, json: JSON.stringify(document), document };
  });
}
