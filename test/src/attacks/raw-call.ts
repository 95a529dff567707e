/**
 * gRPC calls made by hand on a `node:http2` session, so an attack sends exactly the bytes it
 * means to (any message, any framing, streams beyond the server's limits) and sees exactly
 * what comes back: the grpc-status and grpc-message of the trailers (or of a trailers-only
 * answer), the answer's DATA, or the RST_STREAM code when the stream was reset without one.
 */
import * as http2 from 'node:http2';

/** What one hand-made call got back. */
export interface RawAnswer {
  /** grpc-status, when an answer carried one. */
  status?: number;
  /** grpc-message, percent-decoded. */
  message: string;
  /** The answer's DATA (length-prefixed messages), as received. */
  data: Buffer;
  /** RST_STREAM code, when the stream was reset. */
  rstCode?: number;
  /** A stream or session error, when there was one. */
  error?: string;
}

/** One gRPC message with its 5-byte frame header (not compressed). */
export function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** The first message of an answer's DATA, without its frame header; undefined when there is none. */
export function firstMessage(data: Buffer): Buffer | undefined {
  if (data.length < 5) return undefined;
  const length = data.readUInt32BE(1);
  return data.length >= 5 + length ? data.subarray(5, 5 + length) : undefined;
}

/**
 * Room for the attacks' own buffered messages (several 16 MB ones at once): with node's
 * default of 10 MB the attacker's session would refuse its own streams (ENHANCE_YOUR_CALM).
 */
export const ATTACKER_SESSION_MEMORY_MB = 1024;

/** A session to `address` (`host:port`). Session errors are left to the calls. */
export async function connect(address: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`http://${address}`, { maxSessionMemory: ATTACKER_SESSION_MEMORY_MB });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
    session.once('close', () => reject(new Error(`session to ${address} closed before it connected`)));
  });
  return session;
}

function decodeMessage(value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A call whose request side the caller writes: its stream, its answer so far, and its answer once the stream closes. */
export interface OpenCall {
  stream: http2.ClientHttp2Stream;
  received: RawAnswer;
  answer: Promise<RawAnswer>;
}

/** Opens a gRPC call to `path` (HEADERS only); the caller writes and ends the request. */
export function openCall(session: http2.ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}): OpenCall {
  const answer: RawAnswer = { message: '', data: Buffer.alloc(0) };
  const chunks: Buffer[] = [];
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers }, { endStream: false });
  const take = (received: http2.IncomingHttpHeaders) => {
    if (received['grpc-status'] === undefined) return;
    answer.status = Number(received['grpc-status']);
    answer.message = decodeMessage(received['grpc-message']);
  };
  stream.on('response', take);
  stream.on('trailers', take);
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', (error: Error) => (answer.error ??= error.message));
  const closed = new Promise<RawAnswer>((resolve) =>
    stream.on('close', () => {
      answer.data = Buffer.concat(chunks);
      if (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) answer.rstCode = stream.rstCode;
      resolve(answer);
    }),
  );
  return { stream, received: answer, answer: closed };
}

/**
 * A unary call: opens it, writes `body` (already framed) and ends the request; resolves when
 * the stream closes, or with `error: 'timeout'` after `timeoutMs` (the stream is then cancelled).
 */
export async function rawCall(
  session: http2.ClientHttp2Session,
  path: string,
  body: Buffer,
  options: { headers?: http2.OutgoingHttpHeaders; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  let call: OpenCall;
  try {
    call = openCall(session, path, options.headers);
  } catch (error) {
    return { message: '', data: Buffer.alloc(0), error: (error as Error).message };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.stream.close(http2.constants.NGHTTP2_CANCEL);
  }, options.timeoutMs ?? 30_000);
  call.stream.end(body);
  const answer = await call.answer;
  clearTimeout(timer);
  return timedOut ? { ...answer, error: 'timeout' } : answer;
}
