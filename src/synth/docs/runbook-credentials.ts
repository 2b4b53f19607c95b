import { renderedWorkflow } from './workflow-facts';
import { referencedNames } from '../../common/workflow-yaml';
import { credentialCatalogue } from '../model/credentials';
import type { Platform } from '../model/platform';
import type { SecureWorkflow } from '../workflow/workflow';

/** One secret or variable as the workflows read it: which jobs, and where GitHub must hold it for them. */
interface CredentialUse {
  readonly kind: 'secret' | 'variable';
  /** `workflow.yml/job` readers. */
  readonly readers: Set<string>;
  /** GitHub environments of the reading jobs; `undefined` stands for a job without one (a repository secret or variable). */
  readonly places: Set<string | undefined>;
}

/** Every secret and variable of the rendered workflows, with the jobs reading it and their environments. */
function credentialUses(workflows: readonly SecureWorkflow[]): Map<string, CredentialUse> {
  const uses = new Map<string, CredentialUse>();
  for (const w of workflows) {
    const file = w.filePath.split('/').pop()!;
    for (const [jobId, job] of Object.entries<any>(renderedWorkflow(w).data.jobs ?? {})) {
      const text = JSON.stringify(job);
      const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
      for (const [context, kind] of [
        ['secrets', 'secret'],
        ['vars', 'variable'],
      ] as const) {
        for (const name of referencedNames(text, context)) {
          let use = uses.get(name);
          if (!use) uses.set(name, (use = { kind, readers: new Set(), places: new Set() }));
          if (use.kind !== kind) {
            throw new Error(`RunbookDoc: ${name} is read both as a secret and as a variable (${file}/${jobId})`);
          }
          use.readers.add(`${file}/${jobId}`);
          use.places.add(environment);
        }
      }
    }
  }
  return uses;
}

/** The `gh` command that sets a credential where its readers find it (each environment, or the repository). */
function setCommands(name: string, use: CredentialUse): string[] {
  const verb = use.kind === 'secret' ? `gh secret set ${name}` : `gh variable set ${name} --body <value>`;
  return [...use.places].map((env) => (env === undefined ? verb : `${verb} --env ${env}`)).sort();
}

/**
 * The runbook's rotation section: every secret and variable the generated workflows read, what it
 * is and how to rotate it with no failed run (from the model's credential catalogue), where it is
 * set and who reads it (from the workflows). A workflow reading a name the catalogue does not
 * describe fails synthesis, naming both.
 */
export function credentialsSection(platform: Platform, workflows: readonly SecureWorkflow[]): string[] {
  const catalogue = credentialCatalogue(platform);
  const uses = [...credentialUses(workflows)].sort(([a], [b]) => a.localeCompare(b));
  const undescribed = uses.filter(([name, use]) => catalogue.get(name)?.kind !== use.kind);
  if (undescribed.length > 0) {
    throw new Error(
      `RunbookDoc: ${undescribed.map(([name, use]) => `${[...use.readers][0]} reads the ${use.kind} ${name}`).join('; ')}, which src/synth/model/credentials.ts does not describe (what it is and how to rotate it)`,
    );
  }
  const out = [
    '## Rotate a secret or variable',
    '',
    "Every secret and variable the workflows read besides `GITHUB_TOKEN` (which GitHub issues per job). An environment's",
    'secret reaches only the jobs of that environment; a repository secret reaches every job. A job reads a value when it',
    'starts, so a change never breaks a running job; rotate between two runs of the workflows that read it.',
    '',
    '| name | kind | set in | read by |',
    '| --- | --- | --- | --- |',
    ...uses.map(
      ([name, use]) =>
        `| \`${name}\` | ${use.kind} | ${[...use.places]
          .map((p) => (p === undefined ? 'repository' : `environment \`${p}\``))
          .sort()
          .join(', ')} | ${[...new Set([...use.readers].map((r) => r.split('/')[0]))].sort().join(', ')} |`,
    ),
    '',
  ];
  for (const [name, use] of uses) {
    const c = catalogue.get(name)!;
    out.push(
      `### \`${name}\``,
      '',
      c.what,
      '',
      ...c.rotate.map((s, i) => `${i + 1}. ${s}`),
      '',
      `Set it: ${setCommands(name, use)
        .map((cmd) => `\`${cmd}\``)
        .join('; ')}.`,
      '',
    );
  }
  return out;
}
