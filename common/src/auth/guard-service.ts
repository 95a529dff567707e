/**
 * Puts a grpc-js service behind bearer-token checks: each method is open, for any verified
 * token, for mesh services (a verified client certificate, or a token with the `service`
 * role), or for admins. A caller's principal is kept for its handlers ({@link principalOf}),
 * and the model a request of a token-checked method names is checked against the token's
 * allow list.
 */
import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { toServerErrorResponse } from '../errors/to-grpc-status.js';
import type { Authenticator } from './Authenticator.js';
import { ADMIN_ROLE, assertModelAllowed, assertRole, SERVICE_ROLE, type Principal } from './Principal.js';

/** Who may call a method. */
export type MethodAccess = 'open' | 'token' | 'mesh' | 'admin';

/** How a service is guarded: its methods' access ('token' for those not named) and where requests name a model. */
export interface ServiceGuard {
  authenticator: Authenticator;
  access: Readonly<Record<string, MethodAccess>>;
  /** The request field holding a model name, checked against the token's models on 'token' methods. */
  modelField?: string;
}

type GuardedCall = Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getAuthContext'> & { request?: unknown };

const principals = new WeakMap<object, Principal>();

/** The principal of a call a guard let in with a token; undefined for open calls and mesh peers. */
export function principalOf(call: object): Principal | undefined {
  return principals.get(call);
}

/** The `authorization` header of grpc-js metadata, when there is exactly one. */
export function authorizationOf(metadata: GuardedCall['metadata']): string | undefined {
  const values = metadata.get('authorization');
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

function hasPeerCertificate(call: GuardedCall): boolean {
  const certificate = call.getAuthContext().sslPeerCertificate;
  // A listener with clientAuth 'require' has verified it; without a certificate it is `{}`.
  return certificate !== undefined && Object.keys(certificate).length > 0;
}

function requestModel(request: unknown, field: string): string | undefined {
  const name = (request as Record<string, unknown> | undefined)?.[field];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function check(guard: ServiceGuard, method: string, access: MethodAccess, call: GuardedCall, principal: Principal): void {
  if (access === 'admin') assertRole(principal, ADMIN_ROLE, method);
  else if (access === 'mesh') assertRole(principal, SERVICE_ROLE, method);
  else if (guard.modelField !== undefined) {
    const model = requestModel(call.request, guard.modelField);
    if (model !== undefined) assertModelAllowed(principal, model);
  }
  guard.authenticator.charge(principal);
  principals.set(call, principal);
}

/** Resolves once the caller may go on; rejects with UNAUTHENTICATED or PERMISSION_DENIED. Undefined when it may at once. */
function admit(guard: ServiceGuard, method: string, access: MethodAccess, call: GuardedCall): Promise<void> | undefined {
  if (access === 'mesh' && hasPeerCertificate(call)) return undefined;
  const authorization = authorizationOf(call.metadata);
  const known = guard.authenticator.remembered(authorization);
  if (known) {
    check(guard, method, access, call, known);
    return undefined;
  }
  return guard.authenticator.authenticate(authorization).then((principal) => check(guard, method, access, call, principal));
}

function guarded(handler: UntypedHandleCall, method: string, access: MethodAccess, streamsResponse: boolean, guard: ServiceGuard): UntypedHandleCall {
  if (access === 'open') return handler;
  if (streamsResponse) {
    const handle = handler as (call: ServerWritableStream<unknown, unknown>) => void;
    return (call: ServerWritableStream<unknown, unknown>) => {
      let waiting: Promise<void> | undefined;
      try {
        waiting = admit(guard, method, access, call);
      } catch (error) {
        call.emit('error', toServerErrorResponse(error));
        return;
      }
      if (!waiting) return handle(call);
      waiting.then(
        () => handle(call),
        (error: unknown) => call.emit('error', toServerErrorResponse(error)),
      );
    };
  }
  const handle = handler as (call: GuardedCall, callback: sendUnaryData<unknown>) => void;
  return ((call: GuardedCall, callback: sendUnaryData<unknown>) => {
    let waiting: Promise<void> | undefined;
    try {
      waiting = admit(guard, method, access, call);
    } catch (error) {
      callback(toServerErrorResponse(error));
      return;
    }
    if (!waiting) return handle(call, callback);
    waiting.then(
      () => handle(call, callback),
      (error: unknown) => callback(toServerErrorResponse(error)),
    );
  }) as UntypedHandleCall;
}

/** `implementation` with every method behind `guard`. */
export function guardService(definition: ServiceDefinition, implementation: UntypedServiceImplementation, guard: ServiceGuard): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    out[name] = method ? guarded(handler, name, guard.access[name] ?? 'token', method.responseStream, guard) : handler;
  }
  return out;
}
