/** The sink: prediction records from gateways, made durable in a spool and delivered to data destinations. */
export { createSink, type Sink, type SinkDependencies } from './create-sink.js';
export { parseSinkConfig, SOURCE_DEAD_LETTERS, type PublisherConfig, type SinkConfig } from './sink-config.js';
export type { DestinationConfig, FilterConfig, BatchConfig, RetryConfig } from './destinations/destination-config.js';
export type { SourceConfig } from './sources/source-config.js';
export type { DeadLetterDocument, PredictionDocument, SinkDocument } from './record/record-document.js';
export type { TensorJson } from './record/tensor-json.js';
