/**
 * A service's certificate, key and CA, read from the files a `tls:` section names and read
 * again when they change: grpc-js servers and channels follow it as a certificate provider,
 * node:http2 and HTTPS servers through {@link TlsFiles.onChange}.
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { TlsConfig } from '../config/tls-config.js';
import { ConfigError } from '../config/ConfigError.js';
import type { Logger } from '../log/logger.js';

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/** The PEM bytes of one load. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The largest PEM file read: a chain of a few certificates is a few KB. */
const MAX_PEM_BYTES = 1024 * 1024;

function readPem(file: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_PEM_BYTES) throw new Error(`${size} bytes, more than ${MAX_PEM_BYTES}`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new ConfigError(`tls.${what}: cannot read ${file}: ${(error as Error).message}`);
  }
  return bytes;
}

/** Reads the files and checks that they make a usable context (the key matches the certificate). */
export function readTlsMaterial(config: TlsConfig): TlsMaterial {
  const material: TlsMaterial = { cert: readPem(config.cert, 'cert'), key: readPem(config.key, 'key') };
  if (config.ca !== undefined) material.ca = readPem(config.ca, 'ca');
  try {
    tls.createSecureContext(material);
  } catch (error) {
    throw new ConfigError(`tls: ${config.cert}, ${config.key}${config.ca ? `, ${config.ca}` : ''} do not make a TLS context: ${(error as Error).message}`);
  }
  return material;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}

export class TlsFiles implements grpc.experimental.CertificateProvider {
  private current: TlsMaterial;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly changeListeners = new Set<(material: TlsMaterial) => void>();
  private readonly files: string[];
  private channel: grpc.ChannelCredentials | undefined;
  private closed = false;

  /** Reads the files now (a ConfigError names the one at fault) and watches them until {@link close}. */
  constructor(
    readonly config: TlsConfig,
    private readonly logger?: Logger,
  ) {
    this.current = readTlsMaterial(config);
    this.files = [config.cert, config.key, ...(config.ca === undefined ? [] : [config.ca])];
    for (const file of new Set(this.files)) fs.watchFile(file, { persistent: false, interval: config.reloadMs }, this.reload);
  }

  /** The material in use. */
  get material(): TlsMaterial {
    return this.current;
  }

  /** Whether a listener asks callers for a certificate signed by `ca` and refuses those without one. */
  get requireClientCert(): boolean {
    return this.config.clientAuth === 'require';
  }

  /** Options for `tls`/`https`/`http2` servers: the material plus the client-certificate rule. */
  serverOptions(): tls.TlsOptions {
    return { ...this.current, requestCert: this.requireClientCert, rejectUnauthorized: this.requireClientCert };
  }

  /** Calls `listener` with each new material after a reload; returns a function that stops it. */
  onChange(listener: (material: TlsMaterial) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** grpc-js server credentials that follow the files. */
  serverCredentials(): grpc.ServerCredentials {
    // grpc-js names the parameters (ca, identity) but passes them on as (identity, ca).
    return grpc.experimental.createCertificateProviderServerCredentials(this, this.requireClientCert ? this : null, this.requireClientCert);
  }

  /** grpc-js channel credentials that present this certificate and trust `ca` (the system's CAs without one). */
  channelCredentials(): grpc.ChannelCredentials {
    if (this.channel) return this.channel;
    this.channel =
      this.config.ca === undefined
        ? grpc.credentials.createSsl(null, this.current.key, this.current.cert)
        : grpc.experimental.createCertificateProviderChannelCredentials(this, this);
    return this.channel;
  }

  /** Options for a node:tls / node:http2 client connection. */
  clientOptions(): tls.ConnectionOptions {
    return { ...this.current };
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // grpc-js adds its own watcher after this call returns: the first update must come later.
    queueMicrotask(() => {
      if (this.caListeners.has(listener) && this.current.ca) listener({ caCertificate: this.current.ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener({ certificate: this.current.cert, privateKey: this.current.key });
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /** Stops watching the files. */
  close(): void {
    this.closed = true;
    for (const file of new Set(this.files)) fs.unwatchFile(file, this.reload);
  }

  private readonly reload = (): void => {
    if (this.closed) return;
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(this.config);
    } catch (error) {
      // A certificate and key written one after the other do not match in between: the next change loads them.
      this.logger?.warn({ err: error }, 'tls files changed but cannot be used yet; keeping the ones loaded');
      return;
    }
    if (sameMaterial(next, this.current)) return;
    this.current = next;
    this.logger?.info({ cert: this.config.cert }, 'tls files reloaded');
    for (const listener of this.identityListeners) listener({ certificate: next.cert, privateKey: next.key });
    if (next.ca) for (const listener of this.caListeners) listener({ caCertificate: next.ca });
    for (const listener of this.changeListeners) listener(next);
  };
}

/** Channel credentials for a mesh client: TLS from `tls` when the mesh has it, else plaintext. */
export function meshChannelCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  return tls?.channelCredentials() ?? grpc.credentials.createInsecure();
}

/** Server credentials for a mesh listener: TLS from `tls` when given, else plaintext. */
export function meshServerCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  return tls?.serverCredentials() ?? grpc.ServerCredentials.createInsecure();
}
