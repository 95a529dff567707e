/** The sink: prediction records from gateways, made durable in a spool and delivered to data destinations. Its config schema is common's. */
export { createSink, type Sink, type SinkDependencies } from './create-sink.js';
export { replayDeadLetters, type ReplayResult } from './delivery/replay-dead-letters.js';
export type { DeadLetterDocument, PredictionDocument, SinkDocument } from './record/record-document.js';
export type { TensorJson } from '@infermesh/common';
