/**
 * Which version a call without one runs, by the model's rollout: the first header rule its
 * metadata matches, else its sticky key's hash, else a weighted draw. The canary (or a
 * pinned version) only counts while some runner has it ready; until then calls go to stable.
 */

/** A model's rollout as the chooser needs it; versions are strings, '' for none. */
export interface RolloutRules {
  model: string;
  stable: string;
  canary: string;
  /** 0..10000 */
  canaryWeightBp: number;
  rules: readonly { header: string; value: string; version: string; canary: boolean }[];
  stickyHeader: string;
  /** True when some runner has the version ready. */
  isServing(version: string): boolean;
}

/** FNV-1a over UTF-8, then murmur3's finaliser so that low bits mix well. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The basis point (0..9999) a sticky key falls on for a model. A key sees the canary when its
 * point is below the weight, so raising the weight only ever moves keys from stable to canary.
 */
export function stickyPoint(model: string, key: string): number {
  return hash32(`${model}\u0000${key}`) % 10_000;
}

/** Why a call without a version got the one it did (the gateway's route span says so). */
export type ChoiceReason = 'header-rule' | 'header-canary' | 'sticky' | 'weighted' | 'stable';

/**
 * The version for a call that named none, and why; undefined when the model has no stable
 * version and the rules pick nothing ready. `header` reads the call's metadata.
 */
export function chooseVersionWithReason(
  route: RolloutRules,
  header: (name: string) => string | undefined,
  random: () => number = Math.random,
  /** The sticky key when the call has no sticky header: a sequence's id, so every gateway picks alike. */
  fallbackKey?: string,
): { version: string; reason: ChoiceReason } | undefined {
  const stable = route.stable === '' ? undefined : route.stable;
  const pick = (version: string | undefined, reason: ChoiceReason) => (version === undefined ? undefined : { version, reason });
  const canaryLive = route.canary !== '' && route.isServing(route.canary);
  for (const rule of route.rules) {
    const value = header(rule.header);
    if (value === undefined || (rule.value !== '' && value !== rule.value)) continue;
    if (rule.canary) return canaryLive ? pick(route.canary, 'header-canary') : pick(stable, 'stable');
    return route.isServing(rule.version) ? pick(rule.version, 'header-rule') : pick(stable, 'stable');
  }
  if (!canaryLive || route.canaryWeightBp === 0) return pick(stable, 'stable');
  const key = (route.stickyHeader === '' ? undefined : header(route.stickyHeader)) ?? fallbackKey;
  const point = key === undefined ? random() * 10_000 : stickyPoint(route.model, key);
  return pick(point < route.canaryWeightBp ? route.canary : stable, key === undefined ? 'weighted' : 'sticky');
}

/** The version for a call that named none (see {@link chooseVersionWithReason}). */
export function chooseVersion(
  route: RolloutRules,
  header: (name: string) => string | undefined,
  random: () => number = Math.random,
): string | undefined {
  return chooseVersionWithReason(route, header, random)?.version;
}
