import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeJsonWhole } from '../standins/state';

/**
 * The container registry as the stand-ins see it (ghcr.io is not reachable here): manifests by
 * digest, tags, cosign signatures and attestations. One JSON file in the world's state folder,
 * shared by the in-process actions and the stand-in CLIs (docker buildx, cosign).
 */
export interface RegistryState {
  manifests: Record<string, { image: string; platforms: string[]; sources: string[]; commit: string }>;
  tags: Record<string, string>;
  signatures: Record<string, { identity: string; issuer: string; sha: string; repository: string }[]>;
  /** GitHub's attestation store (actions/attest-build-provenance, read by `gh attestation verify`). */
  attestations: { image: string; digest: string; predicateType: string; signer: string }[];
  /** In-toto statements cosign attached beside images (`cosign attest`), by digest, with their signer. */
  cosignAttestations: Record<
    string,
    { predicateType: string; predicate: unknown; identity: string; issuer: string; sha: string; repository: string }[]
  >;
  logins: string[];
}

const EMPTY: RegistryState = {
  manifests: {},
  tags: {},
  signatures: {},
  attestations: [],
  cosignAttestations: {},
  logins: [],
};

export function readRegistry(stateDir: string): RegistryState {
  const file = path.join(stateDir, 'registry.json');
  return existsSync(file) ? { ...EMPTY, ...JSON.parse(readFileSync(file, 'utf8')) } : structuredClone(EMPTY);
}

export function writeRegistry(stateDir: string, state: RegistryState): void {
  writeJsonWhole(path.join(stateDir, 'registry.json'), state);
}

/** A content digest, deterministic for the same inputs (the image's content stands in for its layers). */
export function digestOf(...parts: string[]): string {
  return `sha256:${createHash('sha256').update(parts.join('\0')).digest('hex')}`;
}
