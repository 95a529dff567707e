import { describe, expect, it } from 'vitest';
import { isCredentialHeader } from './credential-headers.js';

describe('credential headers', () => {
  it('knows credentials by name pattern', () => {
    for (const name of [
      'authorization',
      'proxy-authorization',
      'cookie',
      'x-auth-token',
      'x-auth',
      'auth',
      'api-key',
      'x-api-key',
      'x-apikey',
      'x_api_key',
      'x-amz-security-token',
      'x-goog-iap-jwt-assertion-token',
      'x-client-secret',
      'x-db-password',
      'passwd',
      'x-session-id',
      'x-credentials',
    ]) {
      expect([name, isCredentialHeader(name)]).toEqual([name, true]);
    }
  });

  it('leaves ordinary metadata alone', () => {
    for (const name of ['x-tenant', 'x-user', 'x-request-id', 'x-author', 'traceparent', 'x-model-version', 'x-triton-client']) {
      expect([name, isCredentialHeader(name)]).toEqual([name, false]);
    }
  });
});
