import * as semver from 'semver';
import { request } from 'undici';
import { readBounded } from '../http/read-bounded';
import { newerReleases } from '../releases/newer-releases';

/** One entry of actions.lock.json (other keys, such as a note, are kept as they are). */
export interface LockEntry {
  readonly version: string;
  readonly sha: string;
  readonly [key: string]: unknown;
}

/** What happened to one action. */
export interface PinUpdate {
  readonly action: string;
  readonly from: string;
  readonly to: string;
  readonly sha: string;
  /** A new major: inputs may have changed; the typed wrapper and CI decide. */
  readonly major: boolean;
}

export interface UpdateResult {
  readonly updated: readonly PinUpdate[];
  /** Actions whose newest release is still in its cooldown, with that release. */
  readonly cooling: readonly { action: string; version: string; publishedAt: string }[];
  readonly failed: readonly { action: string; error: string }[];
  readonly entries: Readonly<Record<string, LockEntry>>;
}

export interface UpdateOptions {
  /** e.g. https://api.github.com */
  readonly apiUrl: string;
  readonly token?: string;
  /** Days a release must have been public before it is taken (as Dependabot's cooldown). */
  readonly cooldownDays: number;
  readonly now: Date;
  readonly timeoutMs?: number;
}

const MAX_BODY = 4 * 1024 * 1024;

async function getJson(o: UpdateOptions, path: string): Promise<any> {
  const url = new URL(path.replace(/^\//, ''), o.apiUrl.endsWith('/') ? o.apiUrl : `${o.apiUrl}/`);
  const timeout = o.timeoutMs ?? 20_000;
  const res = await request(url, {
    headers: { 'accept': 'application/vnd.github+json', 'user-agent': 'update-action-pins', 'x-github-api-version': '2022-11-28', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const body = await readBounded(res.body, MAX_BODY, (limit) => new Error(`${url.href}: answer larger than ${limit} bytes`));
  if (res.statusCode !== 200) throw new Error(`${url.pathname} answered HTTP ${res.statusCode}`);
  return JSON.parse(body.toString('utf8'));
}

/** The commit a tag points to (an annotated tag is followed to its commit). */
async function commitOfTag(o: UpdateOptions, repo: string, tag: string): Promise<string> {
  let object = (await getJson(o, `/repos/${repo}/git/ref/tags/${encodeURIComponent(tag)}`)).object;
  for (let depth = 0; object?.type === 'tag' && depth < 5; depth++) object = (await getJson(o, `/repos/${repo}/git/tags/${object.sha}`)).object;
  if (object?.type !== 'commit' || !/^[0-9a-f]{40}$/.test(object.sha)) throw new Error(`tag ${tag} does not resolve to a commit`);
  return object.sha;
}

/**
 * The newest release of every pinned action that has been public for at least the cooldown,
 * resolved to the full commit SHA of its tag. Drafts, pre-releases and tags that are not
 * `vX.Y.Z` are left out; an action whose lookup fails keeps its pin and is reported.
 */
export async function updatePins(entries: Readonly<Record<string, LockEntry>>, o: UpdateOptions): Promise<UpdateResult> {
  const out: Record<string, LockEntry> = { ...entries };
  const updated: PinUpdate[] = [];
  const cooling: { action: string; version: string; publishedAt: string }[] = [];
  const failed: { action: string; error: string }[] = [];
  const cutoff = o.now.getTime() - o.cooldownDays * 86_400_000;
  for (const [action, pin] of Object.entries(entries)) {
    try {
      const releases: any[] = await getJson(o, `/repos/${action}/releases?per_page=30`);
      const published = releases.filter((r) => !r.draft && !r.prerelease && /^v\d+\.\d+\.\d+$/.test(r.tag_name));
      const byVersion = new Map(published.map((r) => [semver.clean(r.tag_name)!, r]));
      const candidates = newerReleases(pin.version, published.map((r) => r.tag_name)).map((v) => byVersion.get(v)!);
      const ready = candidates.find((r) => Date.parse(r.published_at) <= cutoff);
      if (candidates[0] && candidates[0] !== ready) cooling.push({ action, version: candidates[0].tag_name, publishedAt: candidates[0].published_at });
      if (!ready) continue;
      const sha = await commitOfTag(o, action, ready.tag_name);
      out[action] = { ...pin, version: ready.tag_name, sha };
      updated.push({ action, from: pin.version, to: ready.tag_name, sha, major: semver.major(ready.tag_name) !== semver.major(pin.version) });
    } catch (e) {
      failed.push({ action, error: (e as Error).message });
    }
  }
  return { updated, cooling, failed, entries: out };
}

/** The result as Markdown, for the job summary and the pull request's body. */
export function updateSummary(r: UpdateResult, cooldownDays: number): string {
  const lines = ['### Action pins', ''];
  if (r.updated.length === 0) lines.push('No action has a newer release past its cooldown.');
  else lines.push('| action | from | to | commit |', '| --- | --- | --- | --- |', ...r.updated.map((u) => `| \`${u.action}\` | ${u.from} | ${u.to}${u.major ? ' (major)' : ''} | \`${u.sha}\` |`));
  if (r.cooling.length) lines.push('', `In their ${cooldownDays}-day cooldown: ${r.cooling.map((c) => `\`${c.action}\` ${c.version} (${c.publishedAt.slice(0, 10)})`).join(', ')}.`);
  if (r.failed.length) lines.push('', `Not checked: ${r.failed.map((f) => `\`${f.action}\` (${f.error})`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
