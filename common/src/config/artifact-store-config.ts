/**
 * `registry.artifacts.store`: where the registry keeps artifact bytes, by sha256. `local` is
 * the embedded default (the registry's data folder); `s3` is any S3-compatible object store
 * (AWS S3, MinIO, GCS's and R2's S3 APIs), with credentials from the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance roles).
 */
import { z } from 'zod';

/** `<registry data folder>/artifacts/<sha256>.onnx`. */
const localStoreSchema = z.object({ type: z.literal('local') }).strict();

/** An S3 bucket name as AWS and MinIO accept it. */
const BUCKET_RULE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const s3StoreSchema = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().regex(BUCKET_RULE, 'expected an S3 bucket name (3-63 lowercase letters, digits, dots and dashes)'),
    /** Key prefix of the artifacts, e.g. `infermesh/artifacts/`; objects are `<prefix><sha256>.onnx`. */
    prefix: z
      .string()
      .max(512)
      .refine((value) => !value.startsWith('/'), 'must not start with /')
      .default(''),
    /** The store's URL for S3-compatible servers (MinIO: `http://minio:9000`); absent: AWS for the region. */
    endpoint: z
      .string()
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
        } catch {
          return false;
        }
      }, 'must be an absolute http(s) URL without credentials')
      .optional(),
    /** Absent: AWS_REGION / the SDK's default chain, else us-east-1. */
    region: z.string().min(1).max(64).optional(),
    /** Path-style URLs (`endpoint/bucket/key`), which MinIO and most self-hosted stores need. */
    forcePathStyle: z.boolean().default(false),
  })
  .strict();

/** `registry.artifacts.store`, discriminated by `type`. */
export const artifactStoreSchema = z.discriminatedUnion('type', [localStoreSchema, s3StoreSchema]);

/** The validated `registry.artifacts.store`. */
export type ArtifactStoreConfig = z.infer<typeof artifactStoreSchema>;
/** `registry.artifacts.store` of type `s3`. */
export type S3ArtifactStoreConfig = Extract<ArtifactStoreConfig, { type: 's3' }>;
