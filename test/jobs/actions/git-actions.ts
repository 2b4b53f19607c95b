import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { asText } from '../engine/tokens';
import type { ActionContext } from '../engine/types';
import { gitEnv } from '../engine/world';

const execFileAsync = promisify(execFile);

/** The script's word for the persisted credentials header, which the shell reads from its environment. */
const HEADER_WORD = '"$CHECKOUT_EXTRAHEADER"';

/** A word for `sh -c`, quoted so the shell reads it back unchanged. */
const shellWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

const bool = (v: string | undefined, fallback: boolean) => (v === undefined || v === '' ? fallback : v === 'true');

/**
 * actions/checkout from the local remote: the event's commit (or `ref`), `fetch-depth` commits
 * (0: all branches and tags), `filter`, `sparse-checkout`, `path`; with `persist-credentials`
 * (the action's default true) the token is left in .git/config as the action leaves it.
 */
export async function checkoutAction(ctx: ActionContext): Promise<void> {
  const world = ctx.run.world;
  const dest = path.resolve(ctx.workspace, ctx.inputs.path ?? '.');
  if (!dest.startsWith(ctx.workspace)) throw new Error(`path ${ctx.inputs.path} is outside the workspace`);
  mkdirSync(dest, { recursive: true });
  const depth = Number(ctx.inputs['fetch-depth'] ?? '1');
  if (!Number.isInteger(depth) || depth < 0) {
    throw new Error(`fetch-depth must be a whole number, got ${ctx.inputs['fetch-depth']}`);
  }
  const wanted = ctx.inputs.ref || asText(ctx.run.github.sha);
  const commands: string[][] = [
    ['init', '-q'],
    ['remote', 'add', 'origin', `file://${world.remote}`],
  ];
  const filter = ctx.inputs.filter ? [`--filter=${ctx.inputs.filter}`] : [];
  // The remote refs a ref name may mean, as the action resolves it.
  const candidates = /^[0-9a-f]{40}$/.test(wanted)
    ? [wanted]
    : wanted.startsWith('refs/')
      ? [wanted]
      : [`refs/heads/${wanted}`, `refs/tags/${wanted}`];
  const target = candidates.find((c) => /^[0-9a-f]{40}$/.test(c) || world.refExists(c));
  if (!target) throw new Error(`A branch or tag with the name '${wanted}' could not be found`);
  const branch = target.startsWith('refs/heads/') ? target.slice('refs/heads/'.length) : undefined;
  const refspec = branch
    ? `+${target}:refs/remotes/origin/${branch}`
    : target.startsWith('refs/tags/')
      ? `+${target}:${target}`
      : target;
  if (depth === 0) {
    commands.push(
      [
        'fetch',
        '-q',
        ...filter,
        '--prune',
        '--tags',
        'origin',
        '+refs/heads/*:refs/remotes/origin/*',
        '+refs/tags/*:refs/tags/*',
      ],
      ['fetch', '-q', ...filter, 'origin', refspec],
    );
  } else {
    commands.push(['fetch', '-q', ...filter, `--depth=${depth}`, 'origin', refspec]);
  }
  if (ctx.inputs['sparse-checkout']) {
    commands.push(['sparse-checkout', 'set', ...ctx.inputs['sparse-checkout'].split('\n').filter(Boolean)]);
  }
  if (branch) commands.push(['checkout', '-q', '-B', branch, 'FETCH_HEAD']);
  else commands.push(['checkout', '-q', '--detach', 'FETCH_HEAD']);
  if (branch) commands.push(['branch', '-q', `--set-upstream-to=origin/${branch}`, branch]);
  let header: string | undefined;
  if (bool(ctx.inputs['persist-credentials'], true)) {
    const basic = Buffer.from(`x-access-token:${ctx.run.secrets.GITHUB_TOKEN}`).toString('base64');
    // From the environment, not the script: a failing command's error quotes the script.
    header = `AUTHORIZATION: basic ${basic}`;
    commands.push(['config', '--local', 'http.https://github.com/.extraheader', HEADER_WORD]);
  }
  commands.push(['rev-parse', 'HEAD']);
  // One shell runs the git commands in order, stopping at the first that fails: each process this
  // (large) process starts costs a fork of it, and a checkout was eight of them. Asynchronous: the
  // scenarios share this process, and a synchronous checkout held every other scenario's steps.
  const script = commands
    .map((args) => ['git', ...args].map((w) => (w === HEADER_WORD ? w : shellWord(w))).join(' '))
    .join(' &&\n');
  const { stdout } = await execFileAsync('sh', ['-c', script], {
    cwd: dest,
    env: { ...gitEnv(), ...(header ? { CHECKOUT_EXTRAHEADER: header } : {}) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const commit = stdout.trim();
  // Fault `concurrent-writer:<branch>`: another writer pushes to the branch right after this job's
  // first checkout of it (once per scenario), so this job's push meets a moved head, as on GitHub.
  const race = `concurrent-writer:${wanted}`;
  if (branch && ctx.run.faults.includes(race) && !world.spentFaults.has(race)) {
    world.spentFaults.add(race);
    world.commit(branch, branch, { 'NOTICE.md': 'changed by another writer\n' }, 'another writer');
  }
  ctx.setOutput('ref', wanted);
  ctx.setOutput('commit', commit);
}
