import * as semver from 'semver';
import { request } from 'undici';
import * as YAML from 'yaml';
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
  /** Inputs the new release's action.yml added and removed, by sub-action (`.` is the root). */
  readonly inputChanges: readonly {
    readonly path: string;
    readonly added: readonly string[];
    readonly removed: readonly string[];
  }[];
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
  /** Epoch milliseconds by which the whole run ends: a request still unanswered then fails. @default - none */
  readonly deadline?: number;
}

const MAX_BODY = 4 * 1024 * 1024;

async function getJson(o: UpdateOptions, path: string): Promise<any> {
  const url = new URL(path.replace(/^\//, ''), o.apiUrl.endsWith('/') ? o.apiUrl : `${o.apiUrl}/`);
  const timeout = o.timeoutMs ?? 20_000;
  const left = o.deadline === undefined ? undefined : o.deadline - Date.now();
  if (left !== undefined && left <= 0) throw new Error("the run's deadline passed before this lookup");
  // A body that trickles in resets undici's idle timeouts; the deadline bounds the whole run.
  const signal = left === undefined ? undefined : AbortSignal.timeout(left);
  let res: Awaited<ReturnType<typeof request>>;
  let body: Buffer;
  try {
    res = await request(url, {
      signal,
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': 'update-action-pins',
        'x-github-api-version': '2022-11-28',
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    body = await readBounded(
      res.body,
      MAX_BODY,
      (limit) => new Error(`${url.href}: answer larger than ${limit} bytes`),
    );
  } catch (e) {
    if (signal?.aborted) throw new Error(`${url.pathname}: no complete answer before the run's deadline`);
    throw e;
  }
  if (res.statusCode !== 200) throw new Error(`${url.pathname} answered HTTP ${res.statusCode}`);
  return JSON.parse(body.toString('utf8'));
}

/** The commit a tag points to (an annotated tag is followed to its commit). */
async function commitOfTag(o: UpdateOptions, repo: string, tag: string): Promise<string> {
  let object = (await getJson(o, `/repos/${repo}/git/ref/tags/${encodeURIComponent(tag)}`)).object;
  for (let depth = 0; object?.type === 'tag' && depth < 5; depth++) {
    object = (await getJson(o, `/repos/${repo}/git/tags/${object.sha}`)).object;
  }
  if (object?.type !== 'commit' || !/^[0-9a-f]{40}$/.test(object.sha)) {
    throw new Error(`tag ${tag} does not resolve to a commit`);
  }
  return object.sha;
}

/** A YAML file of a repository at a commit, parsed (the contents API, base64). */
async function yamlAtCommit(o: UpdateOptions, repo: string, path: string, sha: string): Promise<unknown> {
  const file = await getJson(o, `/repos/${repo}/contents/${path}?ref=${sha}`);
  if (file?.encoding !== 'base64' || typeof file.content !== 'string') throw new Error(`${path}: not a file`);
  return YAML.parse(Buffer.from(file.content, 'base64').toString('utf8'));
}

/** The input names an action's action.yml (or action.yaml) declares at a commit; `sub` is its folder, `.` the root. */
async function declaredInputs(o: UpdateOptions, repo: string, sub: string, sha: string): Promise<string[]> {
  const folder = sub === '.' ? '' : `${sub.replace(/^\/|\/$/g, '')}/`;
  let lastError: Error | undefined;
  for (const name of ['action.yml', 'action.yaml']) {
    try {
      const doc = (await yamlAtCommit(o, repo, `${folder}${name}`, sha)) as { inputs?: Record<string, unknown> } | null;
      return Object.keys(doc?.inputs ?? {}).sort();
    } catch (e) {
      lastError = e as Error;
    }
  }
  throw new Error(
    `cannot read the inputs of ${repo}/${folder}action.yml at ${sha.slice(0, 12)}: ${lastError?.message}`,
  );
}

/** The jobs a reusable workflow (a `.github/workflows/…` path of the repository) declares at a commit. */
async function workflowJobCount(o: UpdateOptions, repo: string, path: string, sha: string): Promise<number> {
  try {
    const jobs = ((await yamlAtCommit(o, repo, path, sha)) as { jobs?: unknown } | null)?.jobs;
    if (typeof jobs !== 'object' || jobs === null || Object.keys(jobs).length === 0) throw new Error('it has no jobs');
    return Object.keys(jobs).length;
  } catch (e) {
    throw new Error(`cannot count the jobs of ${repo}/${path} at ${sha.slice(0, 12)}: ${(e as Error).message}`);
  }
}

/**
 * The newest release of every pinned action that has been public for at least the cooldown,
 * resolved to the full commit SHA of its tag. Drafts, pre-releases and tags that are not
 * `vX.Y.Z` are left out; an action whose lookup fails keeps its pin and is reported.
 */
export async function updatePins(
  entries: Readonly<Record<string, LockEntry>>,
  o: UpdateOptions,
): Promise<UpdateResult> {
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
      const candidates = newerReleases(
        pin.version,
        published.map((r) => r.tag_name),
      ).map((v) => byVersion.get(v)!);
      const ready = candidates.find((r) => Date.parse(r.published_at) <= cutoff);
      if (candidates[0] && candidates[0] !== ready) {
        cooling.push({ action, version: candidates[0].tag_name, publishedAt: candidates[0].published_at });
      }
      if (!ready) continue;
      const sha = await commitOfTag(o, action, ready.tag_name);
      // The inputs the job runner holds each action to are read again at the new commit: a pin
      // never moves with a stale list (a lookup failure keeps the old pin, reported).
      const declared = pin.inputs as Record<string, string[]> | undefined;
      const inputs: Record<string, string[]> = {};
      const inputChanges: PinUpdate['inputChanges'][number][] = [];
      for (const [sub, before] of Object.entries(declared ?? {})) {
        inputs[sub] = await declaredInputs(o, action, sub, sha);
        const added = inputs[sub].filter((i) => !before.includes(i));
        const removed = before.filter((i) => !inputs[sub].includes(i));
        if (added.length || removed.length) inputChanges.push({ path: sub, added, removed });
      }
      // So are the jobs of its reusable workflows, which count toward a caller's run.
      const counted = pin.workflowJobs as Record<string, number> | undefined;
      const workflowJobs: Record<string, number> = {};
      for (const path of Object.keys(counted ?? {})) workflowJobs[path] = await workflowJobCount(o, action, path, sha);
      out[action] = {
        ...pin,
        version: ready.tag_name,
        sha,
        ...(declared ? { inputs } : {}),
        ...(counted ? { workflowJobs } : {}),
      };
      updated.push({
        action,
        from: pin.version,
        to: ready.tag_name,
        sha,
        major: semver.major(ready.tag_name) !== semver.major(pin.version),
        inputChanges,
      });
    } catch (e) {
      failed.push({ action, error: (e as Error).message });
    }
  }
  return { updated, cooling, failed, entries: out };
}

function inputChangeText(u: PinUpdate): string {
  if (u.inputChanges.length === 0) return 'unchanged';
  return u.inputChanges
    .map((c) =>
      [
        ...(c.added.length
          ? [`${c.path === '.' ? '' : `${c.path}: `}added ${c.added.map((i) => `\`${i}\``).join(', ')}`]
          : []),
        ...(c.removed.length
          ? [`${c.path === '.' ? '' : `${c.path}: `}**removed** ${c.removed.map((i) => `\`${i}\``).join(', ')}`]
          : []),
      ].join('; '),
    )
    .join('; ');
}

/** The result as Markdown, for the job summary and the pull request's body. */
export function updateSummary(r: UpdateResult, cooldownDays: number): string {
  const lines = ['### Action pins', ''];
  if (r.updated.length === 0) {
    lines.push('No action has a newer release past its cooldown.');
  } else {
    lines.push(
      '| action | from | to | commit | inputs |',
      '| --- | --- | --- | --- | --- |',
      ...r.updated.map(
        (u) =>
          `| \`${u.action}\` | ${u.from} | ${u.to}${u.major ? ' (major)' : ''} | \`${u.sha}\` | ${inputChangeText(u)} |`,
      ),
    );
  }
  if (r.cooling.length) {
    lines.push(
      '',
      `In their ${cooldownDays}-day cooldown: ${r.cooling.map((c) => `\`${c.action}\` ${c.version} (${c.publishedAt.slice(0, 10)})`).join(', ')}.`,
    );
  }
  if (r.failed.length) {
    lines.push('', `Not checked: ${r.failed.map((f) => `\`${f.action}\` (${f.error})`).join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
