/**
 * The mesh config's `sink.publisher` section: how gateways stream prediction records to the
 * sink. Here because two packages read it: the sink validates it as part of its section (so a
 * bad value stops the sink even when gateways run elsewhere), and each gateway builds its
 * publisher from it. Errors name the key and show the value found.
 */
import { z } from 'zod';
import { isCredentialHeader } from '../grpc/credential-headers.js';
import { ConfigError } from './ConfigError.js';
import { HOST_PORT_RULE } from './name-rules.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Where the sink listens unless `sink.host` / `sink.port` say otherwise. */
export const SINK_DEFAULT_HOST = '127.0.0.1';
/** Where the sink listens unless `sink.host` / `sink.port` say otherwise. */
export const SINK_DEFAULT_PORT = 8201;

/** What an absent `sink.publisher` key means. */
export const SINK_PUBLISHER_DEFAULTS = {
  maxBufferedRecords: 10_000,
  maxBufferedBytes: 64 * MiB,
  mustNotLose: false,
  maxTensorBytes: 1 * MiB,
  /** A quarter of the 64 MiB messages the gateway sends the sink: room for one record of the largest tensors beside a batch. */
  maxBatchBytes: 16 * MiB,
  /**
   * How long a record may wait for others to share its batch. The sink fsyncs each batch
   * before it acknowledges it, so at a few calls per second one batch per call is one fsync
   * and one spool write per call; 20 ms makes batches of several records at any rate.
   */
  batchDelayMs: 20,
} as const;

/**
 * How long a gateway with `mustNotLose` waits at shutdown for the sink to acknowledge what it
 * holds (5 s without): long enough for a sink restart. Whoever stops a gateway must give it
 * at least this long before a SIGKILL.
 */
export const SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS = 60_000;

const got = (input: unknown) => `got ${JSON.stringify(input)}`;

/** One message whatever is wrong with the value (a range check alone would say less). */
function integer(min: number, max: number) {
  return z.custom<number>((value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max, {
    error: (issue) => `expected an integer ${min}..${max}, ${got(issue.input)}`,
  });
}

/** A list checked as a whole, so the error names the key rather than one item of it. */
function names(pattern: RegExp, max: number) {
  return z.custom<string[]>(
    (value) => Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string' && pattern.test(item)),
    {
      error: (issue) =>
        Array.isArray(issue.input) && issue.input.length > max
          ? `expected at most ${max} names, got ${issue.input.length}`
          : `expected a list of names matching ${pattern}, ${got(issue.input)}`,
    },
  );
}

/** The `sink.publisher` keys, with defaults. */
export const sinkPublisherSchema = z
  .object(
    {
      /** Where gateways send records; default `<sink.host>:<sink.port>`. */
      address: z.string().regex(HOST_PORT_RULE, { error: (issue) => `expected host:port, ${got(issue.input)}` }).optional(),
      /** Records held (not yet acknowledged by the sink) before the next is dropped. */
      maxBufferedRecords: integer(1, 10_000_000).default(SINK_PUBLISHER_DEFAULTS.maxBufferedRecords),
      /** Bytes of held inferences before the next is dropped. */
      maxBufferedBytes: integer(64 * KiB, 2 ** 34).default(SINK_PUBLISHER_DEFAULTS.maxBufferedBytes),
      /** Fail predict calls (RESOURCE_EXHAUSTED) rather than drop records when the buffer is full. */
      mustNotLose: z.boolean({ error: (issue) => `expected true or false, ${got(issue.input)}` }).default(SINK_PUBLISHER_DEFAULTS.mustNotLose),
      /** Models whose inputs go into their records; `*` is every model. */
      captureInputs: names(/^(\*|[^\s]{1,256})$/, 1000).default([]),
      /** Caller metadata headers copied into records (lowercase); '*' for every header but transport and credentials. A credential is refused. */
      headers: names(/^(\*|[a-z0-9][a-z0-9_.-]*)$/, 100)
        .refine((list) => !list.some(isCredentialHeader), {
          error: (issue) =>
            `${(issue.input as string[]).filter(isCredentialHeader).map((name) => `'${name}'`).join(', ')} carries credentials, which never leave the mesh (names with authorization, token, secret, password, api-key, session, cookie, credential)`,
        })
        .default([]),
      /** Bytes of the serialized response (+ request, when inputs are captured) above which a record goes without its tensors. */
      maxTensorBytes: integer(1 * KiB, 64 * MiB).default(SINK_PUBLISHER_DEFAULTS.maxTensorBytes),
      /** Bytes of records per Publish message (a batch takes at least one record); at most half the message size. */
      maxBatchBytes: integer(64 * KiB, 32 * MiB).default(SINK_PUBLISHER_DEFAULTS.maxBatchBytes),
      /** Milliseconds a record waits for others to fill its batch before it is sent anyway; 0 sends at once. */
      batchDelayMs: integer(0, 1_000).default(SINK_PUBLISHER_DEFAULTS.batchDelayMs),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'expected a mapping' : undefined) },
  )
  .strict();

/** A validated `sink.publisher` section, defaults filled. */
export type SinkPublisherConfig = z.infer<typeof sinkPublisherSchema>;

/** Validates `sink.publisher` (absent means every default); throws a ConfigError naming each key at fault. */
export function parseSinkPublisherConfig(raw: unknown): SinkPublisherConfig {
  const parsed = sinkPublisherSchema.safeParse(raw === undefined ? {} : raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${['sink', 'publisher', ...issue.path].join('.')}: ${issue.message}`).join('; '));
}
