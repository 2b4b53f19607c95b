import type { ValueRow } from './values-table';
import { markdownCell } from '../../../common/text-table';
import type { Service } from '../../model/platform';

/** A value as a Markdown table cell: compact JSON in code. */
function valueCell(value: unknown): string {
  return `\`${markdownCell(JSON.stringify(value))}\``;
}

/**
 * The chart's README.md: how to install it and every value, with its default and what each
 * environment's file sets, read from the values table (CHART_VALUES), so it cannot drift from
 * values.yaml or the schema.
 */
export function chartReadme(
  service: Service,
  envs: readonly string[],
  rows: readonly ValueRow[],
  valuesFileOf: (env: string) => string,
): string {
  return [
    `# ${service.name} chart`,
    '',
    `The ${service.name} service of the voice platform (port ${service.port}, health \`${service.healthPath}\`). Generated from the platform model: edit the model, not this folder.`,
    '',
    '```sh',
    `helm upgrade --install ${service.name} charts/${service.name} --namespace <namespace> \\`,
    `  --values charts/${service.name}/${valuesFileOf(envs[0] ?? 'production')} --set image.digest=sha256:<digest>`,
    '```',
    '',
    `\`values.yaml\` holds the defaults; ${envs.map((e) => `\`${valuesFileOf(e)}\``).join(', ') || 'no environment file'} set what the environment changes. \`values.schema.json\` is closed: Helm refuses an unknown key or a wrong type on install, upgrade, lint and template.`,
    '',
    '## Values',
    '',
    `| value | default | ${envs.join(' | ')} | description |`,
    `| --- | --- | ${envs.map(() => '---').join(' | ')} | --- |`,
    ...rows.map(
      (r) =>
        `| \`${r.path}\` | ${valueCell(r.default)} | ${envs.map((e) => (e in r.environments ? valueCell(r.environments[e]) : '')).join(' | ')} | ${markdownCell(r.description)} |`,
    ),
    '',
  ].join('\n');
}
