/** The mesh config's `limits:` section: message, tensor and stream bounds every service applies. */
import { z } from 'zod';

const MiB = 1024 * 1024;

/** The `limits:` keys, with defaults. */
export const limitsSchema = z
  .object({
    /** Largest gRPC message in either direction, on every server and client. */
    maxMessageBytes: z.number().int().min(4096).max(2 ** 31 - 1).default(64 * MiB),
    /** Largest number of elements in one input tensor, checked before allocating. */
    maxTensorElements: z.number().int().positive().default(16 * MiB),
    /** Elements of all inputs of one request together, from their declared shapes. */
    maxRequestElements: z.number().int().positive().default(32 * MiB),
    /**
     * Elements sent in typed `contents` fields by one request, counted on the wire before it
     * is decoded: each becomes a JavaScript value when decoded (a BYTES element an object of
     * ~200 bytes), where raw contents stay one buffer.
     */
    maxTypedElements: z.number().int().positive().default(MiB),
    /** Inputs (and raw_input_contents entries) of one request. */
    maxInputs: z.number().int().positive().max(1_000_000).default(256),
    /** Requested outputs of one request. */
    maxOutputs: z.number().int().positive().max(1_000_000).default(256),
    /** Parameter map entries of one request, its inputs' and outputs' included. */
    maxParameters: z.number().int().positive().max(1_000_000).default(256),
    /** Streams one client connection may have open at once on every gRPC/HTTP/2 server; more wait in the client. */
    maxConcurrentStreams: z.number().int().positive().max(2 ** 31 - 1).default(1000),
    /**
     * A stream of the gateway's HTTP/2 front with no frame either way for this long is reset
     * (the caller sees CANCELLED), so idle streams cannot hold a connection's slots; 0 turns it off.
     */
    streamIdleTimeoutMs: z.number().int().min(0).max(2 ** 31 - 1).default(600_000),
  })
  .strict();

/** The limits section of the mesh config. */
export type Limits = z.infer<typeof limitsSchema>;

/** What a ModelInferRequest is held to on the wire, before anything decodes it. */
export type RequestLimits = Pick<
  Limits,
  'maxTensorElements' | 'maxRequestElements' | 'maxTypedElements' | 'maxInputs' | 'maxOutputs' | 'maxParameters'
>;

const DEFAULT_LIMITS = limitsSchema.parse({});

/** The defaults of {@link RequestLimits}. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = DEFAULT_LIMITS;

/** limits.maxConcurrentStreams' default, for servers started without the mesh config. */
export const DEFAULT_MAX_CONCURRENT_STREAMS: number = DEFAULT_LIMITS.maxConcurrentStreams;

/** limits.streamIdleTimeoutMs' default. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS: number = DEFAULT_LIMITS.streamIdleTimeoutMs;
