/** A client interceptor that sends `authorization: Bearer <token>` on every call, over TLS or plaintext alike. */
import * as grpc from '@grpc/grpc-js';

/**
 * An interceptor for a client's `interceptors` option; the token is read at each call, so it
 * may change. A call that carries its own `authorization` (a caller's, passed on) keeps it.
 */
export function bearerTokenInterceptor(token: () => string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (metadata.get('authorization').length === 0) metadata.set('authorization', `Bearer ${token()}`);
        next(metadata, listener);
      },
    });
}

/** What a mesh client connects with: TLS credentials (plaintext without) and a bearer token. */
export interface ClientSecurity {
  /** TLS of the channel; plaintext when absent. */
  credentials?: grpc.ChannelCredentials;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
}

/** The channel credentials and extra channel options (the token's interceptor) of `security`. */
export function clientSecurity(security: ClientSecurity): { credentials: grpc.ChannelCredentials; options: grpc.ClientOptions } {
  const { token } = security;
  return {
    credentials: security.credentials ?? grpc.credentials.createInsecure(),
    options: token === undefined ? {} : { interceptors: [bearerTokenInterceptor(() => token)] },
  };
}
