/**
 * Which caller headers carry credentials, by name: these never leave the mesh (no sink
 * record, whatever `sink.publisher.headers` says) and are never passed to runners.
 */

/** Names, lowercase, that are credentials whatever their prefix or suffix. */
const CREDENTIAL_NAME = /authori[sz]ation|(^|[-_.])auth([-_.]|$)|token|cookie|secret|passw(or)?d|api[-_]?key|session|credential/;

/** `x-amz-security-token`, `authorization`, `x-api-key`, `my-session-id`, ...: a header that carries a credential. */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}
