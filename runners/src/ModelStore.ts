/** Every model version a runner holds, and how a request's name and version pick one. */
import { ServiceError } from '@infermesh/common';
import type { ModelVersion } from './ModelVersion.js';

/** Orders version strings numerically. */
const byVersion = (a: ModelVersion, b: ModelVersion) => Number(a.version) - Number(b.version);

/** Every model version a runner holds; requests and RunnerControl look versions up here. */
export class ModelStore {
  private readonly models = new Map<string, ModelVersion[]>();

  add(version: ModelVersion): void {
    const versions = this.models.get(version.name) ?? [];
    versions.push(version);
    versions.sort(byVersion);
    this.models.set(version.name, versions);
  }

  /** Takes one version out of the store (the very object, so a replacement added since stays). */
  remove(version: ModelVersion): void {
    const versions = this.models.get(version.name);
    const index = versions?.indexOf(version) ?? -1;
    if (!versions || index < 0) return;
    versions.splice(index, 1);
    if (versions.length === 0) this.models.delete(version.name);
  }

  /** The version with this name and version string, if the store holds it. */
  find(name: string, version: string): ModelVersion | undefined {
    return this.models.get(name)?.find((v) => v.version === version);
  }

  /** All versions, by model then version. */
  all(): ModelVersion[] {
    return [...this.models.keys()].sort().flatMap((name) => this.models.get(name)!);
  }

  /**
   * Whether any version other than `name` `version` is saturated here (a call for it would
   * wait): then a shadow copy for that version would take capacity those calls need, and is shed.
   */
  othersSaturated(name: string, version: string): boolean {
    for (const versions of this.models.values()) {
      for (const candidate of versions) {
        if (candidate.saturated && (candidate.name !== name || candidate.version !== version)) return true;
      }
    }
    return false;
  }

  /** Versions of one model, oldest first; NOT_FOUND for an unknown model. */
  versionsOf(name: string): ModelVersion[] {
    const versions = this.models.get(name);
    if (!versions) throw ServiceError.notFound(`unknown model '${name}'`);
    return versions;
  }

  /**
   * The version a request means: the given one, or with an empty version the newest READY
   * one. NOT_FOUND for an unknown model or version; UNAVAILABLE when it exists but cannot serve.
   */
  resolve(name: string, version: string): ModelVersion {
    if (version !== '') {
      const found = this.get(name, version);
      if (found.state !== 'READY') throw found.notReady();
      return found;
    }
    const versions = this.versionsOf(name);
    // Versions are kept oldest first: the first READY one from the end is the newest.
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.state === 'READY') return versions[i]!;
    const states = versions.map((v) => `${v.version}: ${v.state.toLowerCase()}${v.reason ? ` (${v.reason})` : ''}`);
    throw ServiceError.unavailable(`model '${name}' has no ready version (${states.join('; ')})`);
  }

  /** The version with this name and version string, in whatever state; NOT_FOUND for an unknown model or version. */
  get(name: string, version: string): ModelVersion {
    const versions = this.versionsOf(name);
    const found = versions.find((v) => v.version === version);
    if (!found) {
      throw ServiceError.notFound(
        `model '${name}' has no version '${version}' (versions: ${versions.map((v) => v.version).join(', ')})`,
      );
    }
    return found;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((version) => version.close()));
  }
}
