/** Schemas of the `sink.sources[]` entries: live inputs turned into inference calls through the gateway. */
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Keys every source has. */
const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected 1-63 lowercase letters, digits, _ and -'),
  /** Largest message taken; a bigger one is dead-lettered unread. */
  maxMessageBytes: z.number().int().min(256).max(64 * MiB).default(1 * MiB),
  /** Inference calls of this source running at once. */
  concurrency: z.number().int().min(1).max(1024).default(16),
  /** Deadline of one inference call. */
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  /** Attempts of a call the gateway could not take (UNAVAILABLE) before the message is dead-lettered. */
  maxAttempts: z.number().int().min(1).max(100).default(5),
};

const natsSourceSchema = z
  .object({
    ...common,
    type: z.literal('nats'),
    servers: z.array(z.string().min(1)).min(1).default(['nats://127.0.0.1:4222']),
    subject: z.string().regex(/^\S+$/, 'expected a NATS subject'),
    /** Queue group, so that several sinks share one subject's messages. */
    queue: z.string().regex(/^\S+$/, 'expected a queue group name').optional(),
    /**
     * Messages received while every call slot is busy wait in the sink up to this many and
     * these bytes; past either, a message is dead-lettered (reason names the bound) instead of held.
     */
    maxPendingMessages: z.number().int().min(1).max(1_000_000).default(1024),
    maxPendingBytes: z.number().int().min(1024).max(1024 * MiB).default(64 * MiB),
  })
  .strict();

const mqttSourceSchema = z
  .object({
    ...common,
    type: z.literal('mqtt'),
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'expected an mqtt:// URL').default('mqtt://127.0.0.1:1883'),
    topic: z.string().min(1).max(65_535),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
    /** MQTT client id; default infermesh-sink-<name>-<pid>. */
    clientId: z.string().min(1).max(256).optional(),
  })
  .strict();

const redisSourceSchema = z
  .object({
    ...common,
    type: z.literal('redis'),
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').default('redis://127.0.0.1:6379'),
    stream: z.string().min(1).max(512),
    /** Consumer group, created (with the stream) if missing. */
    group: z.string().min(1).max(256).default('infermesh-sink'),
    /** Consumer name in the group; default the source's name. */
    consumer: z.string().min(1).max(256).optional(),
    /** Where a new group starts: `$` (new entries) or `0` (the whole stream). */
    startId: z.enum(['$', '0']).default('$'),
    /** The entry field holding the JSON message. */
    field: z.string().min(1).max(256).default('message'),
  })
  .strict();

/** One `sink.sources[]` entry. */
export const sourceSchema = z.discriminatedUnion('type', [natsSourceSchema, mqttSourceSchema, redisSourceSchema], {
  error: "expected type 'nats', 'mqtt' or 'redis'",
});

/** A validated source entry. */
export type SourceConfig = z.infer<typeof sourceSchema>;
/** A `nats` source entry. */
export type NatsSourceConfig = z.infer<typeof natsSourceSchema>;
/** An `mqtt` source entry. */
export type MqttSourceConfig = z.infer<typeof mqttSourceSchema>;
/** A `redis` stream source entry. */
export type RedisSourceConfig = z.infer<typeof redisSourceSchema>;
