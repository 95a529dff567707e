import { describe, expect, it } from 'vitest';
import { encodeGrpcMessage, statusOf } from './grpc-headers.js';

describe('grpc-message', () => {
  it('keeps printable ASCII but % as it is and percent-encodes the rest as UTF-8 bytes', () => {
    expect(encodeGrpcMessage("model 'mlp' has no version '3', try 1 (or 2)")).toBe("model 'mlp' has no version '3', try 1 (or 2)");
    expect(encodeGrpcMessage('100% done\nnext')).toBe('100%25 done%0Anext');
    expect(encodeGrpcMessage('modèl ✓')).toBe('mod%C3%A8l %E2%9C%93');
  });

  it('reads back what it wrote', () => {
    for (const details of ['plain', 'a, b; c', '50 %', 'tab\there', 'ünïcödé ✓ 𝄞']) {
      expect(statusOf({ 'grpc-status': '3', 'grpc-message': encodeGrpcMessage(details) })).toEqual({ code: 3, details });
    }
  });
});
