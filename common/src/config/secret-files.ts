/**
 * Reads the files a client section names (a token or password file, TLS files) once at start,
 * naming the config key when it cannot: shared by the `consul:` and `etcd:` clients.
 */
import { readFile } from 'node:fs/promises';

/** Largest token or password file read. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** The trimmed contents of the secret file `file` of the key `key` (e.g. `consul.tokenFile`). */
export async function readSecretFile(key: string, file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${key} ${file}: ${error.code ?? error.message}`);
  });
  if (text.length > MAX_SECRET_FILE_BYTES) throw new Error(`${key} ${file}: over ${MAX_SECRET_FILE_BYTES} bytes`);
  const secret = text.trim();
  if (secret === '') throw new Error(`${key} ${file} is empty`);
  return secret;
}

/** The bytes of the TLS file `file` of the key `key` (e.g. `etcd.tls.ca`); undefined when none is set. */
export async function readTlsFile(key: string, file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${key} ${file}: ${error.code ?? error.message}`);
  });
}
