/** Triton's ModelStatistics for the versions on this runner; a gateway sums runners' answers. */
import type { ModelStatisticsRequest__Output, ModelStatisticsResponse } from '@infermesh/proto';
import type { ModelStore } from './ModelStore.js';
import type { ModelVersion } from './ModelVersion.js';

/**
 * The versions a request names: an empty name means every model, an empty version every
 * version of the model. Versions that never became READY (loading, or failed to load) have
 * nothing to report and are left out of those lists; named explicitly, they answer as
 * ModelInfer would (UNAVAILABLE). UNLOADING versions that served are still reported.
 * NOT_FOUND for an unknown model or version.
 */
function requestedVersions(store: ModelStore, { name, version }: ModelStatisticsRequest__Output): ModelVersion[] {
  if (name === '') return store.all().filter((v) => v.everReady);
  if (version === '') return store.versionsOf(name).filter((v) => v.everReady);
  const found = store.get(name, version);
  if (!found.everReady) throw found.notReady();
  return [found];
}

/** The statistics of the versions `request` names, by model then version. */
export function modelStatistics(store: ModelStore, request: ModelStatisticsRequest__Output): ModelStatisticsResponse {
  return { model_stats: requestedVersions(store, request).map((version) => version.statistics.toMessage(version)) };
}
