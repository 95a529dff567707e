/** A throwaway CA and certificates signed by it, made with openssl in a temp folder, for TLS tests. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** PEM files of one certificate: `cert`, `key` and the CA that signed it, as paths. */
export interface CertFiles {
  cert: string;
  key: string;
  ca: string;
}

/** A CA in a temp folder that issues certificates for 127.0.0.1 and localhost. */
export interface TestCa {
  dir: string;
  /** Path of the CA's certificate. */
  ca: string;
  /** Issues `name`.pem / `name`-key.pem (overwritten when they exist), valid for 127.0.0.1 and localhost. */
  issue(name: string): CertFiles;
  /** The PEM bytes of a file. */
  read(file: string): Buffer;
  remove(): Promise<void>;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A new CA (`caName` names its subject, so two CAs differ). */
export async function createTestCa(caName = 'infermesh test ca'): Promise<TestCa> {
  const dir = await mkdtemp(path.join(tmpdir(), 'infermesh-tls-'));
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${caName}`, '-keyout', 'ca-key.pem', '-out', 'ca.pem']);
  const ca = path.join(dir, 'ca.pem');
  return {
    dir,
    ca,
    issue(name) {
      writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
      openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.new-key`, '-out', `${name}.csr`]);
      openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.new`]);
      // Renamed into place, so a watcher never reads half a file.
      const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`), ca };
      renameSync(path.join(dir, `${name}.new-key`), files.key);
      renameSync(path.join(dir, `${name}.new`), files.cert);
      return files;
    },
    read: (file) => readFileSync(file),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
