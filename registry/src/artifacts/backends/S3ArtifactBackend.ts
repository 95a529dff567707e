/**
 * The `s3` artifact store: objects `<prefix><sha256>.onnx` in a bucket of any S3-compatible
 * store, through the AWS SDK v3. Credentials come from the SDK's default chain (the AWS_*
 * variables, a profile, web identity in Kubernetes, an instance role); nothing here reads them.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ServiceError, type S3ArtifactStoreConfig } from '@infermesh/common';
import type { ArtifactBackend, ArtifactReader, PutResult } from './ArtifactBackend.js';

/** Region when an endpoint is given and no region is: S3-compatible servers mostly ignore it. */
const ENDPOINT_DEFAULT_REGION = 'us-east-1';

/** HTTP statuses S3 answers for an object or bucket that is not there. */
const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound');

export class S3ArtifactBackend implements ArtifactBackend {
  private readonly client: S3Client;
  readonly description: string;

  constructor(private readonly config: S3ArtifactStoreConfig) {
    const region = config.region ?? (config.endpoint === undefined ? undefined : ENDPOINT_DEFAULT_REGION);
    this.client = new S3Client({
      ...(region === undefined ? {} : { region }),
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle,
      // The registry hashes every artifact and runners check the sha256 of what they fetch;
      // the SDK's own CRC trailers (aws-chunked uploads) are not spoken by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.description = `bucket s3://${config.bucket}/${config.prefix}${config.endpoint === undefined ? '' : ` at ${config.endpoint}`}`;
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
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      throw new Error(`registry.artifacts.store: cannot reach ${this.description}: ${describe(error)}`, { cause: error });
    }
  }

  async put(file: string, sha256: string, sizeBytes: number): Promise<PutResult> {
    const key = this.keyOf(sha256);
    if (await this.exists(key)) return { created: false };
    const body = createReadStream(file);
    try {
      await this.client.send(
        new PutObjectCommand({
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
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
      const body = answer.Body as Readable | undefined;
      if (!body || answer.ContentLength === undefined) throw new Error('the answer has no body or no Content-Length');
      return { sizeBytes: answer.ContentLength, body, destroy: () => body.destroy() };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.unavailable(`could not read ${this.locationOf(sha256)}`, error);
    }
  }

  async remove(sha256: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
    } catch (error) {
      if (!isMissing(error)) throw this.unavailable(`could not remove ${this.locationOf(sha256)}`, error);
    }
  }

  close(): void {
    this.client.destroy();
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
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
  if (error instanceof S3ServiceException) return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'})`;
  const { code, name, message } = (error ?? {}) as { code?: string; name?: string; message?: string };
  return code ?? name ?? message ?? 'unknown error';
}
