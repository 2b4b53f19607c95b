import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';

/** How a package is pinned. */
export type PinKind = 'version' | 'branch' | 'revision';

/** One pin of Package.resolved, normalized across format versions 1, 2 and 3. */
export interface SwiftPin {
  /** Lowercase identity (v2/v3), or the package name lowercased (v1). */
  readonly identity: string;
  /** Display name: v1 `package`, else the last path component of the location. */
  readonly name: string;
  readonly location: string;
  readonly kind: PinKind;
  /** The version, branch name, or revision. */
  readonly value: string;
  readonly revision?: string;
}

interface RawState {
  version?: unknown;
  branch?: unknown;
  revision?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function normalize(
  file: string,
  index: number,
  identity: string,
  name: string,
  location: string,
  state: RawState | undefined,
): SwiftPin {
  if (!state || typeof state !== 'object') {
    throw new InputError(`${file}: pins[${index}] (${quoteInput(name)}) has no "state"`);
  }
  for (const key of ['version', 'branch', 'revision'] as const) {
    const v = state[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new InputError(
        `${file}: pins[${index}] (${quoteInput(name)}) state.${key} must be a string, got ${quoteInput(v)}`,
      );
    }
  }
  const version = str(state.version);
  const branch = str(state.branch);
  const revision = str(state.revision);
  const kind: PinKind = version ? 'version' : branch ? 'branch' : 'revision';
  const value = version ?? branch ?? revision;
  if (!value) {
    throw new InputError(`${file}: pins[${index}] (${quoteInput(name)}) state has no version, branch or revision`);
  }
  return { identity, name, location, kind, value, revision };
}

function nameFromLocation(location: string): string {
  return location
    .replace(/\/$/, '')
    .split('/')
    .pop()!
    .replace(/\.git$/, '');
}

/** Parses Package.resolved (v1, v2 or v3). Unknown versions and malformed pins are InputErrors naming the file. */
export function parsePackageResolved(data: unknown, file: string): SwiftPin[] {
  const root = data as { version?: unknown; object?: { pins?: unknown }; pins?: unknown } | null;
  if (typeof root !== 'object' || root === null) throw new InputError(`${file}: not a Package.resolved object`);
  const version = root.version;
  if (version === 1) {
    const pins = root.object?.pins;
    if (!Array.isArray(pins)) throw new InputError(`${file}: version 1 needs "object.pins" to be a list`);
    return pins.map((p: { package?: unknown; repositoryURL?: unknown; state?: RawState } | null, i) => {
      if (typeof p !== 'object' || p === null) {
        throw new InputError(`${file}: object.pins[${i}] must be an object, got ${quoteInput(p)}`);
      }
      const name = str(p.package);
      const location = str(p.repositoryURL);
      if (!name || !location) throw new InputError(`${file}: object.pins[${i}] needs "package" and "repositoryURL"`);
      return normalize(file, i, name.toLowerCase(), name, location, p.state);
    });
  }
  if (version === 2 || version === 3) {
    if (!Array.isArray(root.pins)) throw new InputError(`${file}: version ${version} needs "pins" to be a list`);
    return root.pins.map((p: { identity?: unknown; location?: unknown; state?: RawState } | null, i) => {
      if (typeof p !== 'object' || p === null) {
        throw new InputError(`${file}: pins[${i}] must be an object, got ${quoteInput(p)}`);
      }
      const identity = str(p.identity);
      const location = str(p.location);
      if (!identity || !location) throw new InputError(`${file}: pins[${i}] needs "identity" and "location"`);
      return normalize(file, i, identity.toLowerCase(), nameFromLocation(location), location, p.state);
    });
  }
  throw new InputError(`${file}: unsupported Package.resolved version ${quoteInput(version)} (supported: 1, 2, 3)`);
}

/** Finds a required package by identity, name or repository name, case-insensitively. */
export function findPin(pins: readonly SwiftPin[], required: string): SwiftPin | undefined {
  const want = required.toLowerCase();
  return pins.find(
    (p) => p.identity === want || p.name.toLowerCase() === want || nameFromLocation(p.location).toLowerCase() === want,
  );
}
