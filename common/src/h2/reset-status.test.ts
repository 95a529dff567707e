import { constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { resetStatus } from './reset-status.js';

describe('resetStatus', () => {
  it('maps a runner that went away to UNAVAILABLE, whatever the reset code of its streams', () => {
    expect(resetStatus(constants.NGHTTP2_CANCEL, undefined, true)).toMatchObject({ code: status.UNAVAILABLE });
    expect(resetStatus(constants.NGHTTP2_CANCEL, undefined, false)).toMatchObject({ code: status.CANCELLED });
  });

  it('maps a refused stream and a failed connection to UNAVAILABLE, a calm-down to RESOURCE_EXHAUSTED', () => {
    expect(resetStatus(constants.NGHTTP2_REFUSED_STREAM, undefined)).toMatchObject({ code: status.UNAVAILABLE });
    expect(resetStatus(undefined, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ code: status.UNAVAILABLE });
    expect(resetStatus(constants.NGHTTP2_ENHANCE_YOUR_CALM, undefined)).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    expect(resetStatus(constants.NGHTTP2_INTERNAL_ERROR, undefined)).toMatchObject({ code: status.INTERNAL });
  });
});
