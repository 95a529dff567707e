/**
 * The `s3` artifact store: objects `<prefix><sha256>.onnx` in a bucket of any S3-compatible
 * store, through the AWS SDK v3. Credentials come from the SDK's default chain (the AWS_*
 * variables, a profile, web identity in Kubernetes, an instance role); nothing here reads them.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ServiceError, type S3ArtifactStoreConfig } from '@infermesh/common';
import type { ArtifactBackend, ArtifactReader, PutResult } from './ArtifactBackend.js';

/** Region when an endpoint is given and no region is: S3-compatible servers mostly ignore it. */
const ENDPOINT_DEFAULT_REGION = 'us-east-1';

/** The SDK, loaded when an s3 store starts: half a second of start-up that a local registry never pays. */
type Sdk = typeof S3Sdk;

/** An error S3 answered with: its code and HTTP status. */
interface S3Answer {
  name: string;
  $metadata: { httpStatusCode?: number };
}

const isAnswer = (error: unknown): error is S3Answer => typeof error === 'object' && error !== null && '$metadata' in error && 'name' in error;

/** True for S3's answers for an object or bucket that is not there. */
const isMissing = (error: unknown) =>
  isAnswer(error) && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound');

export class S3ArtifactBackend implements ArtifactBackend {
  private s3: { sdk: Sdk; client: S3Client } | undefined;
  readonly description: string;

  /** @param overrides client settings over the config's (tests pass credentials; the registry passes none). */
  constructor(
    private readonly config: S3ArtifactStoreConfig,
    private readonly overrides: Partial<S3ClientConfig> = {},
  ) {
    this.description = `bucket s3://${config.bucket}/${config.prefix}${config.endpoint === undefined ? '' : ` at ${config.endpoint}`}`;
  }

  /** The SDK and its client, made on first use. */
  private async connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    if (this.s3) return this.s3;
    const sdk = await import('@aws-sdk/client-s3');
    const { config } = this;
    const region = config.region ?? (config.endpoint === undefined ? undefined : ENDPOINT_DEFAULT_REGION);
    const client = new sdk.S3Client({
      ...(region === undefined ? {} : { region }),
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle,
      // The registry hashes every artifact and runners check the sha256 of what they fetch;
      // the SDK's own CRC trailers (aws-chunked uploads) are not spoken by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...this.overrides,
    });
    this.s3 ??= { sdk, client };
    if (this.s3.client !== client) client.destroy();
    return this.s3;
  }

  private keyOf(sha256: string): string {
    return `${this.config.prefix}${sha256}.onnx`;
  }

  locationOf(sha256: string): string {
    return `s3://${this.config.bucket}/${this.keyOf(sha256)}`;
  }

  /** Checks that the bucket exists and the credentials reach it, so a wrong config stops the registry at start. */
  async init(): Promise<void> {
    try {
      const { sdk, client } = await this.connect();
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      throw new Error(`registry.artifacts.store: cannot reach ${this.description}: ${describe(error)}`, { cause: error });
    }
  }

  async put(file: string, sha256: string, sizeBytes: number): Promise<PutResult> {
    const key = this.keyOf(sha256);
    if (await this.exists(key)) return { created: false };
    const { sdk, client } = await this.connect();
    const body = createReadStream(file);
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: body,
          ContentLength: sizeBytes,
          ContentType: 'application/octet-stream',
          // The store checks the upload against it where it can (AWS S3, MinIO).
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
      );
    } catch (error) {
      throw this.unavailable(`could not upload ${this.locationOf(sha256)}`, error);
    } finally {
      body.destroy();
    }
    return { created: true };
  }

  async open(sha256: string): Promise<ArtifactReader | undefined> {
    const { sdk, client } = await this.connect();
    try {
      const answer = await client.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
      const body = answer.Body as Readable | undefined;
      if (!body || answer.ContentLength === undefined) throw new Error('the answer has no body or no Content-Length');
      return { sizeBytes: answer.ContentLength, body, destroy: () => body.destroy() };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.unavailable(`could not read ${this.locationOf(sha256)}`, error);
    }
  }

  async remove(sha256: string): Promise<void> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
    } catch (error) {
      if (!isMissing(error)) throw this.unavailable(`could not remove ${this.locationOf(sha256)}`, error);
    }
  }

  close(): void {
    this.s3?.client.destroy();
  }

  private async exists(key: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.unavailable(`could not look up s3://${this.config.bucket}/${key}`, error);
    }
  }

  private unavailable(what: string, error: unknown): ServiceError {
    return ServiceError.unavailable(`artifact store: ${what}: ${describe(error)}`, { cause: error });
  }
}

/** The S3 error code and HTTP status, or the network error's code: never the response body. */
function describe(error: unknown): string {
  if (isAnswer(error)) return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'})`;
  const { code, name, message } = (error ?? {}) as { code?: string; name?: string; message?: string };
  return code ?? name ?? message ?? 'unknown error';
}
