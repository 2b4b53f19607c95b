import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import { need, parseArgs, ToolError } from './args';
import { load, save } from './state';

/** GitHub as the gh stand-in sees it: issues, pull requests, releases, caches, attestations. */
export interface GitHubState {
  issues: { number: number; title: string; body: string; state: 'open' | 'closed'; comments: string[] }[];
  pulls: { number: number; head: string; base: string; title: string; state: 'open' | 'closed' }[];
  releases: Record<string, { prerelease: boolean; latest: boolean; assets: string[]; title: string; notes: string }>;
  caches: { id: number; key: string; ref: string; sizeInBytes: number }[];
  deletedCaches: number[];
  /** workflow_dispatch events created with `gh workflow run`, in order; the harness starts their runs. */
  dispatches?: { workflow: string; ref: string; inputs: Record<string, string> }[];
}

const EMPTY: GitHubState = { issues: [], pulls: [], releases: {}, caches: [], deletedCaches: [] };
const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

/** Prints JSON, through the real jq when `--jq` is given (as gh does with its built-in jq). */
function printJson(value: unknown, jq?: string): void {
  if (!jq) {
    out(JSON.stringify(value));
    return;
  }
  const r = spawnSync('jq', ['-r', jq], { input: JSON.stringify(value), encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new ToolError(`gh: --jq: ${r.stderr.trim()}`);
  process.stdout.write(r.stdout);
}

/** Keeps only the fields `--json` asks for; an unknown field is refused, as gh does. */
function fields<T extends object>(rows: T[], list: string, known: string[]): Partial<T>[] {
  const wanted = list.split(',');
  const bad = wanted.filter((f) => !known.includes(f));
  if (bad.length) throw new ToolError(`Unknown JSON field: "${bad[0]}"`);
  return rows.map((r) => Object.fromEntries(wanted.map((f) => [f, (r as Record<string, unknown>)[f]])) as Partial<T>);
}

export function gh(args: string[]): number {
  if (!process.env.GH_TOKEN && !process.env.GITHUB_TOKEN) {
    throw new ToolError(
      'gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.',
      4,
    );
  }
  const state = load<GitHubState>('github', structuredClone(EMPTY));
  if (args[0] === 'api') return api(args.slice(1));
  const [group, cmd, ...rest] = args;
  const key = `${group} ${cmd}`;
  switch (key) {
    case 'auth setup-git':
      parseArgs('gh auth setup-git', rest, {});
      return 0;
    case 'issue list': {
      const p = parseArgs('gh issue list', rest, { values: ['--state', '--search', '--json', '--jq', '--limit'] });
      const m = /in:title "(.*)"/.exec(p.flags['--search'] ?? '');
      const rows = state.issues
        .filter((i) => (p.flags['--state'] ?? 'open') === 'all' || i.state === (p.flags['--state'] ?? 'open'))
        .filter((i) => !m || i.title.includes(m[1]));
      printJson(fields(rows, need(p, 'gh', '--json'), ['number', 'title', 'state', 'body']), p.flags['--jq']);
      return 0;
    }
    case 'issue create': {
      const p = parseArgs('gh issue create', rest, { values: ['--title', '--body', '--label'] });
      const number = state.issues.length + state.pulls.length + 1;
      state.issues.push({
        number,
        title: need(p, 'gh', '--title'),
        body: need(p, 'gh', '--body'),
        state: 'open',
        comments: [],
      });
      save('github', state);
      out(`https://github.com/${process.env.GITHUB_REPOSITORY}/issues/${number}`);
      return 0;
    }
    case 'issue comment':
    case 'issue close': {
      const p = parseArgs(`gh ${key}`, rest, { values: ['--body', '--comment'], positionals: 1 });
      const issue = state.issues.find((i) => String(i.number) === p.positionals[0]);
      if (!issue) throw new ToolError(`GraphQL: Could not resolve to an issue with the number of ${p.positionals[0]}.`);
      const text = p.flags['--body'] ?? p.flags['--comment'];
      if (text) issue.comments.push(text);
      if (cmd === 'close') issue.state = 'closed';
      save('github', state);
      return 0;
    }
    case 'pr list': {
      const p = parseArgs('gh pr list', rest, { values: ['--state', '--head', '--json', '--jq', '--limit'] });
      const rows = state.pulls
        .filter((x) => (p.flags['--state'] ?? 'open') === 'all' || x.state === (p.flags['--state'] ?? 'open'))
        .filter((x) => !p.flags['--head'] || x.head === p.flags['--head']);
      printJson(fields(rows, need(p, 'gh', '--json'), ['number', 'title', 'state', 'head']), p.flags['--jq']);
      return 0;
    }
    case 'pr create': {
      const p = parseArgs('gh pr create', rest, { values: ['--base', '--head', '--title', '--body', '--body-file'] });
      const file = p.flags['--body-file'];
      if (file && !existsSync(file)) throw new ToolError(`open ${file}: no such file or directory`);
      const head = need(p, 'gh', '--head');
      const remote = process.env.STANDIN_REMOTE!;
      if (spawnSync('git', ['rev-parse', '--verify', `refs/heads/${head}`], { cwd: remote }).status !== 0) {
        throw new ToolError(
          `pull request create failed: GraphQL: Head sha can't be blank, No commits between ${p.flags['--base']} and ${head}`,
        );
      }
      state.pulls.push({
        number: state.issues.length + state.pulls.length + 1,
        head,
        base: need(p, 'gh', '--base'),
        title: need(p, 'gh', '--title'),
        state: 'open',
      });
      save('github', state);
      if (file) readFileSync(file);
      return 0;
    }
    case 'release create': {
      const p = parseArgs('gh release create', rest, {
        values: ['--title', '--notes', '--notes-file'],
        bools: ['--verify-tag', '--prerelease', '--draft', '--generate-notes', '--latest'],
        positionals: [1, 10],
      });
      const [tag, ...assets] = p.positionals;
      if (p.bools.has('--verify-tag') && !tagExists(tag)) {
        throw new ToolError(`tag ${tag} doesn't exist in the repo, aborting due to --verify-tag flag`);
      }
      for (const a of assets) if (!existsSync(a.split('#')[0])) throw new ToolError(`${a}: no such file or directory`);
      const notesFile = p.flags['--notes-file'];
      if (notesFile && !existsSync(notesFile)) throw new ToolError(`open ${notesFile}: no such file or directory`);
      if (state.releases[tag]) throw new ToolError(`HTTP 422: Validation Failed (a release for ${tag} already exists)`);
      const notes = notesFile ? readFileSync(notesFile, 'utf8') : (p.flags['--notes'] ?? '');
      state.releases[tag] = {
        prerelease: p.bools.has('--prerelease'),
        latest: false,
        assets: assets.map((a) => a.split('/').pop()!),
        title: p.flags['--title'] ?? tag,
        notes,
      };
      save('github', state);
      return 0;
    }
    case 'release edit': {
      const p = parseArgs('gh release edit', rest, { bools: ['--prerelease', '--latest', '--draft'], positionals: 1 });
      const release = state.releases[p.positionals[0]];
      if (!release) throw new ToolError('release not found');
      release.prerelease = p.bools.has('--prerelease');
      release.latest = p.bools.has('--latest');
      save('github', state);
      return 0;
    }
    case 'cache list': {
      const p = parseArgs('gh cache list', rest, { values: ['--limit', '--json', '--jq', '--key', '--ref'] });
      printJson(
        fields(state.caches, need(p, 'gh', '--json'), [
          'id',
          'key',
          'ref',
          'sizeInBytes',
          'createdAt',
          'lastAccessedAt',
        ]),
        p.flags['--jq'],
      );
      return 0;
    }
    case 'cache delete': {
      const p = parseArgs('gh cache delete', rest, { positionals: 1 });
      const i = state.caches.findIndex((c) => String(c.id) === p.positionals[0] || c.key === p.positionals[0]);
      if (i < 0) throw new ToolError(`X Could not find a cache matching ${p.positionals[0]}`);
      state.deletedCaches.push(state.caches[i].id);
      state.caches.splice(i, 1);
      save('github', state);
      return 0;
    }
    case 'attestation verify': {
      const p = parseArgs('gh attestation verify', rest, {
        values: [
          '--owner',
          '--repo',
          '--signer-workflow',
          '--cert-identity',
          '--cert-oidc-issuer',
          '--predicate-type',
          '--source-ref',
          '--source-digest',
          '--signer-repo',
          '--format',
        ],
        bools: ['--deny-self-hosted-runners'],
        positionals: 1,
      });
      const m = /^oci:\/\/(.+)@(sha256:[0-9a-f]{64})$/.exec(p.positionals[0]);
      if (!m) throw new ToolError('an oci:// reference by digest is required');
      const reg = JSON.parse(readFileSync(`${process.env.STANDIN_STATE}/registry.json`, 'utf8')) as {
        attestations: { image: string; digest: string; signer: string }[];
      };
      const hit = reg.attestations.find(
        (a) =>
          a.digest === m[2] &&
          a.image === m[1] &&
          (!p.flags['--signer-workflow'] ||
            a.signer.includes(p.flags['--signer-workflow'].replace(/^https:\/\/github.com\//, ''))),
      );
      if (!hit) throw new ToolError(`✗ Verification failed: no attestations found for ${p.positionals[0]}`);
      out('✓ Verification succeeded!');
      return 0;
    }
    case 'workflow run':
      return workflowRun(state, rest);
    default:
      throw new ToolError(`unknown command "${key}" for "gh"`);
  }
}

const git = (...args: string[]) => spawnSync('git', args, { cwd: process.env.STANDIN_REMOTE!, encoding: 'utf8' });
const tagExists = (tag: string) => git('rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`).status === 0;

/**
 * gh api, for the REST endpoints the workflows call, answered from the world's remote: the tags
 * under a prefix (git/matching-refs) and generated release notes (releases/generate-notes: the pull
 * requests, by their squash-merge subjects "Title (#N)", between the previous tag and this one).
 */
function api(args: string[]): number {
  const p = parseArgs('gh api', args, {
    values: ['--method', '-X', '--jq', '-q'],
    multi: ['-f', '--raw-field', '-F', '--field'],
    bools: ['--paginate'],
    positionals: 1,
  });
  const method = (
    p.flags['--method'] ??
    p.flags['-X'] ??
    (Object.keys(p.multi).length > 0 ? 'POST' : 'GET')
  ).toUpperCase();
  const given = Object.fromEntries(
    Object.values(p.multi)
      .flat()
      .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
  );
  const repository = process.env.GITHUB_REPOSITORY!;
  const endpoint = p.positionals[0].replace(/^\//, '').replace('{owner}/{repo}', repository);
  const jq = p.flags['--jq'] ?? p.flags['-q'];
  const refs = new RegExp(`^repos/${repository}/git/matching-refs/(tags/.*)$`).exec(endpoint);
  if (refs && method === 'GET') {
    // GitHub matches the ref's text prefix (tags/v matches tags/v1.2.3); git's patterns match whole path components.
    const names = git('for-each-ref', '--format=%(refname)', 'refs/tags')
      .stdout.split('\n')
      .filter((r) => r.startsWith(`refs/${refs[1]}`));
    printJson(
      names.map((ref) => ({ ref, object: { sha: git('rev-parse', ref).stdout.trim(), type: 'commit' } })),
      jq,
    );
    return 0;
  }
  if (endpoint === `repos/${repository}/releases/generate-notes` && method === 'POST') {
    const tag = given.tag_name;
    if (!tag) throw new ToolError('gh: HTTP 422: Validation Failed (tag_name is missing)');
    if (!tagExists(tag)) {
      throw new ToolError(`gh: HTTP 422: Validation Failed (tag_name ${tag} does not exist and no target_commitish)`);
    }
    const previous = given.previous_tag_name;
    if (previous !== undefined && !tagExists(previous)) {
      throw new ToolError(`gh: HTTP 422: Validation Failed (previous_tag_name ${previous} is not a tag)`);
    }
    const range = previous ? `refs/tags/${previous}..refs/tags/${tag}` : `refs/tags/${tag}`;
    const pulls = git('log', '--format=%s', range)
      .stdout.split('\n')
      .map((line) => /^(.*) \(#(\d+)\)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null);
    const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const body = [
      ...(pulls.length > 0
        ? [
            "## What's Changed",
            ...pulls.map((m) => `* ${m[1]} by @scenario in ${server}/${repository}/pull/${m[2]}`),
            '',
          ]
        : []),
      `**Full Changelog**: ${server}/${repository}/${previous ? `compare/${previous}...${tag}` : `commits/${tag}`}`,
    ].join('\n');
    printJson({ name: tag, body }, jq);
    return 0;
  }
  throw new ToolError(`gh: HTTP 404: Not Found (${method} ${endpoint}: not an endpoint the stand-in serves)`);
}

/**
 * gh workflow run <file> --ref <branch or tag> -f name=value…: a workflow_dispatch event, refused as
 * GitHub refuses it — a token without `actions: write` (403), a ref that does not exist, a workflow
 * file the ref does not hold, one without a workflow_dispatch trigger, an input it does not declare or
 * a required one missing (422). Recorded in the state; the harness starts the run.
 */
function workflowRun(state: GitHubState, args: string[]): number {
  const p = parseArgs('gh workflow run', args, {
    values: ['--ref', '-r'],
    multi: ['-f', '--raw-field', '-F', '--field'],
    positionals: 1,
  });
  const permissions = JSON.parse(process.env.STANDIN_TOKEN_PERMISSIONS ?? '{}') as Record<string, string> | string;
  const mayDispatch =
    permissions === 'write-all' || (typeof permissions === 'object' && permissions.actions === 'write');
  if (!mayDispatch) throw new ToolError('HTTP 403: Resource not accessible by integration', 1);
  const workflow = p.positionals[0]!;
  // Without --ref, gh dispatches at the repository's default branch: the remote's HEAD.
  const ref = p.flags['--ref'] ?? p.flags['-r'] ?? git('symbolic-ref', '--short', 'HEAD').stdout.trim();
  const full = ['refs/heads/', 'refs/tags/']
    .map((prefix) => `${prefix}${ref}`)
    .find((r) => git('rev-parse', '--verify', '--quiet', `${r}^{commit}`).status === 0);
  if (!full) throw new ToolError(`HTTP 422: No ref found for: ${ref}`, 1);
  const shown = git('show', `${full}:.github/workflows/${workflow}`);
  if (shown.status !== 0) throw new ToolError(`could not find any workflows named ${workflow}`, 1);
  const on = (YAML.parse(shown.stdout) as { on?: Record<string, unknown> }).on ?? {};
  if (!('workflow_dispatch' in on)) {
    throw new ToolError("HTTP 422: Workflow does not have 'workflow_dispatch' trigger", 1);
  }
  const declared = ((on.workflow_dispatch as { inputs?: Record<string, { required?: boolean; default?: unknown }> })
    ?.inputs ?? {}) as Record<string, { required?: boolean; default?: unknown }>;
  const inputs = Object.fromEntries(
    Object.values(p.multi)
      .flat()
      .map((f) => {
        const eq = f.indexOf('=');
        if (eq < 1) throw new ToolError(`invalid key-value pair "${f}": expected key=value`, 1);
        return [f.slice(0, eq), f.slice(eq + 1)];
      }),
  );
  const unexpected = Object.keys(inputs).filter((k) => !(k in declared));
  if (unexpected.length) throw new ToolError(`HTTP 422: Unexpected inputs provided: ${JSON.stringify(unexpected)}`, 1);
  const missing = Object.entries(declared).find(([k, d]) => d.required && d.default === undefined && !(k in inputs));
  if (missing) throw new ToolError(`HTTP 422: Required input '${missing[0]}' not provided`, 1);
  (state.dispatches ??= []).push({ workflow, ref, inputs });
  save('github', state);
  out(`✓ Created workflow_dispatch event for ${workflow} at ${ref}`);
  return 0;
}
