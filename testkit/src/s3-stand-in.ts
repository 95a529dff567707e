/**
 * An S3-compatible server for tests: s3rver (a Node implementation of the S3 REST API that
 * checks SigV4 signatures and keeps objects on disk) on 127.0.0.1, with one bucket. With
 * INFERMESH_TEST_S3_ENDPOINT set (and INFERMESH_TEST_S3_BUCKET, AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY), tests use that store instead, e.g. a real MinIO.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** The credentials s3rver accepts. */
const S3RVER_KEY = 'S3RVER';

/** A running S3-compatible store with a bucket for the test. */
export interface S3StandIn {
  endpoint: string;
  bucket: string;
  /** The AWS SDK's credentials for it, as environment variables (for child processes). */
  env: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** True when this is s3rver, false for the store INFERMESH_TEST_S3_ENDPOINT names. */
  standIn: boolean;
  close(): Promise<void>;
}

/** Starts s3rver with `bucket`, or returns the store of INFERMESH_TEST_S3_ENDPOINT. */
export async function startS3StandIn(bucket = 'infermesh-test'): Promise<S3StandIn> {
  const external = process.env.INFERMESH_TEST_S3_ENDPOINT;
  if (external) {
    const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' };
    return {
      endpoint: external,
      bucket: process.env.INFERMESH_TEST_S3_BUCKET ?? bucket,
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      credentials,
      standIn: false,
      close: async () => {},
    };
  }
  const directory = await mkdtemp(join(tmpdir(), 'infermesh-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const credentials = { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env: { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY },
    credentials,
    standIn: true,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
