/** The gateway's sink publisher: prediction records of every inference, streamed to the sink. */
export {
  createSinkPublisher,
  SinkPublisher,
  type SinkPublisherOptions,
  type SinkPublisherStats,
} from './SinkPublisher.js';
export { predictionRecord, recordMessages, type RecordMessages, type RecordOptions } from './prediction-record.js';
export { traceIdOf } from './trace-id.js';
