/**
 * The metadata header `infermesh replay` sends on every call it re-sends. A gateway does not
 * publish such calls to the sink: a record set being replayed stays what it was, and a replay
 * never replays its own calls.
 */
export const REPLAY_CALL_HEADER = 'x-infermesh-replay';
