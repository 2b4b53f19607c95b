import * as YAML from 'yaml';
import { VALUES } from './values-ref';

/**
 * Turning cdk8s manifests into Helm templates. The chart's objects are synthesized by cdk8s with
 * tokens where a value varies per deploy; each token is registered here with the template action
 * it stands for, and {@link TemplateTokens.render} replaces them in the YAML text. A token stands
 * as a whole value (quoted or not), inside a longer string, as a `key: TOKEN` line that becomes a
 * block, or as a list item / map key that splices a values list or map in.
 */
export class TemplateTokens {
  private readonly actions = new Map<
    string,
    {
      kind: 'value' | 'quoted' | 'literal' | 'block' | 'with' | 'items' | 'custom';
      action: string;
      render?: (indent: string, key: string) => string;
    }
  >();

  private add(
    kind: 'value' | 'quoted' | 'literal' | 'block' | 'with' | 'items' | 'custom',
    action: string,
    render?: (indent: string, key: string) => string,
  ): string {
    const token = `__HELM_${this.actions.size}__`;
    this.actions.set(token, { kind, action, render });
    return token;
  }

  /** Template text standing as a whole value, e.g. a quoted string of several actions. */
  public literal(text: string): string {
    return this.add('literal', text);
  }
  /** `{{ action }}` as a whole value (numbers, booleans). */
  public value(action: string): string {
    return this.add('value', action);
  }
  /** `{{ action | quote }}` as a whole value; `{{ action }}` inside a longer string. */
  public quoted(action: string): string {
    return this.add('quoted', action);
  }
  /** `key: TOKEN` → `key:` and the YAML of `action` below it. */
  public block(action: string): string {
    return this.add('block', action);
  }
  /** `key: TOKEN` → the key and its YAML only when `action` is not empty. */
  public with(action: string): string {
    return this.add('with', action);
  }
  /** A list item `- TOKEN` or a map key `TOKEN: ""` → the items of `action` spliced in (none when empty). */
  public items(action: string): string {
    return this.add('items', action);
  }
  /** `key: TOKEN` → whatever `render` writes for that line. */
  public custom(render: (indent: string, key: string) => string): string {
    return this.add('custom', '', render);
  }

  /** Renders one manifest as template text, every token replaced. */
  public render(manifest: Record<string, unknown>, options: { onlyIf?: string } = {}): string {
    let text = YAML.stringify(manifest, { indent: 2, lineWidth: 0 });
    // Line-level tokens first: they may write text holding value tokens.
    for (const [token, a] of this.actions) {
      text = text.replace(
        new RegExp(`^( *)(- )?([^\\s:]+): ${token}$`, 'gm'),
        (whole, i: string, dash: string | undefined, key: string) => {
          // The first key of a list item sits two columns right of the dash.
          const col = ' '.repeat(i.length + (dash ? 2 : 0));
          if (dash && a.kind !== 'block') return whole;
          switch (a.kind) {
            case 'block':
              return `${i}${dash ?? ''}${key}:\n${col}  {{- toYaml ${a.action} | nindent ${col.length + 2} }}`;
            case 'with':
              return `${i}{{- with ${a.action} }}\n${i}${key}:\n${i}  {{- toYaml . | nindent ${i.length + 2} }}\n${i}{{- end }}`;
            case 'custom':
              return a.render!(i, key);
            default:
              return whole;
          }
        },
      );
      if (a.kind === 'items') {
        const splice = (i: string) =>
          `${i}{{- with ${a.action} }}\n${i}{{- toYaml . | nindent ${i.length} }}\n${i}{{- end }}`;
        text = text.replace(new RegExp(`^( *)- ${token}$`, 'gm'), (_, i: string) => splice(i));
        text = text.replace(new RegExp(`^( *)${token}: ""$`, 'gm'), (_, i: string) => splice(i));
      }
    }
    for (const [token, a] of this.actions) {
      if (a.kind === 'literal') {
        text = text.replace(new RegExp(`(: |- )${token}$`, 'gm'), (_, lead: string) => `${lead}${a.action}`);
      }
      if (a.kind === 'value') {
        text = text.replace(new RegExp(`(: |- )${token}$`, 'gm'), (_, lead: string) => `${lead}{{ ${a.action} }}`);
      }
      if (a.kind === 'quoted') {
        text = text.replace(
          new RegExp(`(: |- )${token}$`, 'gm'),
          (_, lead: string) => `${lead}{{ ${a.action} | quote }}`,
        );
        text = text.split(token).join(`{{ ${a.action} }}`);
      }
    }
    const leftover = /__HELM_\d+__/.exec(text);
    if (leftover) {
      throw new Error(
        `template token ${leftover[0]} could not be placed (${this.actions.get(leftover[0])?.kind} token in the wrong position)`,
      );
    }
    return options.onlyIf ? `{{- if ${options.onlyIf} }}\n${text}{{- end }}\n` : text;
  }
}

/** `_helpers.tpl` of a chart: names and labels as every well-kept chart defines them. */
export function helpersTemplate(chart: string): string {
  return [
    `{{/* Object names: fullnameOverride, or <release>-<chart> unless the release name already holds the chart's. */}}`,
    `{{- define "${chart}.fullname" -}}`,
    `{{- if ${VALUES.fullnameOverride.$} }}`,
    `{{- ${VALUES.fullnameOverride.$} | trunc 63 | trimSuffix "-" }}`,
    '{{- else }}',
    `{{- $name := default .Chart.Name ${VALUES.nameOverride.$} }}`,
    `{{- include "${chart}.nameFor" (dict "release" .Release.Name "chart" $name) }}`,
    '{{- end }}',
    '{{- end }}',
    '',
    '{{/* The fullname another chart gives a release: (dict "release" R "chart" C). */}}',
    `{{- define "${chart}.nameFor" -}}`,
    '{{- if contains .chart .release }}',
    '{{- .release | trunc 63 | trimSuffix "-" }}',
    '{{- else }}',
    '{{- printf "%s-%s" .release .chart | trunc 63 | trimSuffix "-" }}',
    '{{- end }}',
    '{{- end }}',
    '',
  ].join('\n');
}
