/** Who a verified bearer token speaks for, and what it may do. */
import { ServiceError } from '../errors/ServiceError.js';

/** The role that may change the registry and load or unload models through the gateway. */
export const ADMIN_ROLE = 'admin';
/** The role of mesh services that call the registry without a client certificate (runners, gateways). */
export const SERVICE_ROLE = 'service';
/** In a model allow list: every model. */
export const ANY_MODEL = '*';

export interface Principal {
  /** The token's name (static tokens) or subject (JWT); safe to log, never the token itself. */
  readonly name: string;
  readonly roles: ReadonlySet<string>;
  /** Models it may call; {@link ANY_MODEL} is every model. */
  readonly models: ReadonlySet<string>;
  /** When it stops being valid (ms since the epoch); Infinity for static tokens. */
  readonly expiresAt: number;
}

/** True when `principal` may call `model` (admins may call every model). */
export function mayCallModel(principal: Principal, model: string): boolean {
  return principal.roles.has(ADMIN_ROLE) || principal.models.has(ANY_MODEL) || principal.models.has(model);
}

/** Throws PERMISSION_DENIED unless `principal` may call `model`. */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (!mayCallModel(principal, model)) throw ServiceError.permissionDenied(`token '${principal.name}' may not call model '${model}'`);
}

/** Throws PERMISSION_DENIED unless `principal` has `role`; `what` names the operation. */
export function assertRole(principal: Principal, role: string, what: string): void {
  if (principal.roles.has(role) || principal.roles.has(ADMIN_ROLE)) return;
  throw ServiceError.permissionDenied(`${what} needs the '${role}' role; token '${principal.name}' has ${principal.roles.size === 0 ? 'none' : [...principal.roles].join(', ')}`);
}
