import * as YAML from 'yaml';
import { VALUES } from './values-ref';

type TokenKind = 'value' | 'quoted' | 'literal' | 'block' | 'with' | 'items' | 'custom';

/** Writes YAML for a custom token: `value` at `indent` (its tokens rendered), as the chart's templates write it. */
export type TemplateYaml = (value: unknown, indent: string) => string;

/** Renders a `key: TOKEN` line of a custom token: the line's indent, its key, and the YAML writer. */
export type CustomRender = (indent: string, key: string, yaml: TemplateYaml) => string;

interface TokenAction {
  readonly kind: TokenKind;
  readonly action: string;
  readonly render?: CustomRender;
}

const YAML_OPTIONS = { indent: 2, lineWidth: 0 } as const;
/** A token is `__HELM_<n>__`: the prefix marks a string that may hold one; a map key of the whole shape is one. */
const TOKEN_PREFIX = '__HELM_';
const TOKEN = new RegExp(`^${TOKEN_PREFIX}\\d+__$`);

/**
 * Turning cdk8s manifests into Helm templates. The chart's objects are synthesized by cdk8s with
 * tokens where a value varies per deploy; each token is registered here with the template action
 * it stands for. {@link TemplateTokens.render} writes a manifest's YAML itself, walking the object:
 * where it meets a token it knows its place (a whole value, a list item, a map key, inside a longer
 * string) and writes the action there, so nothing is searched for in rendered text. A token stands as
 * a whole value (quoted or not), inside a longer string, as a `key: TOKEN` line that becomes a block,
 * or as a list item / map key that splices a values list or map in. Scalars and keys are formatted
 * by the yaml library, so the text is what `YAML.stringify` writes with the actions in place.
 */
export class TemplateTokens {
  private readonly actions = new Map<string, TokenAction>();

  private add(kind: TokenKind, action: string, render?: CustomRender): string {
    const token = `${TOKEN_PREFIX}${this.actions.size}__`;
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
  public custom(render: CustomRender): string {
    return this.add('custom', '', render);
  }

  /** The template text a token writes as a whole value (`{{ … | quote }}` for a quoted one), for custom renders. */
  public inline(token: string): string {
    const a = this.actionOf(token, 'a whole value');
    switch (a.kind) {
      case 'value':
        return `{{ ${a.action} }}`;
      case 'quoted':
        return `{{ ${a.action} | quote }}`;
      case 'literal':
        return a.action;
      default:
        throw new Error(`template token ${token} (${a.kind}) cannot stand as a whole value`);
    }
  }

  /** Renders one manifest as template text, every token in its place. */
  public render(manifest: Record<string, unknown>, options: { onlyIf?: string } = {}): string {
    const text = `${this.mapLines(manifest, '').join('\n')}\n`;
    return options.onlyIf ? `{{- if ${options.onlyIf} }}\n${text}{{- end }}\n` : text;
  }

  /** YAML of any value at an indent, tokens rendered (the writer custom renders receive). */
  private readonly yaml: TemplateYaml = (value, indent) => {
    if (isMap(value)) return this.mapLines(value, indent).join('\n');
    if (Array.isArray(value)) return this.listLines(value, indent).join('\n');
    return this.indentLines(this.formatted(value), indent, indent).join('\n');
  };

  private actionOf(token: string, place: string): TokenAction {
    const a = this.actions.get(token);
    if (!a) throw new Error(`template token ${token} was not made by this chart's tokens (${place})`);
    return a;
  }

  /** `{{- with action }}` splicing a values list or map in at `indent`. */
  private splice(action: string, indent: string): string {
    return `${indent}{{- with ${action} }}\n${indent}{{- toYaml . | nindent ${indent.length} }}\n${indent}{{- end }}`;
  }

  /**
   * The lines of a map whose keys stand at `indent`. `lead` replaces the first key's indent: `- `
   * when the map is a list item (its first key sits two columns right of the dash).
   */
  private mapLines(map: Record<string, unknown>, indent: string, lead?: string): string[] {
    const lines: string[] = [];
    for (const [key, value] of Object.entries(map)) {
      const prefix = lines.length === 0 && lead !== undefined ? lead : indent;
      const dashed = prefix !== indent;
      if (TOKEN.test(key)) {
        const a = this.actionOf(key, `the key ${key}`);
        if (a.kind !== 'items' || value !== '' || dashed) {
          throw new Error(`template token ${key} (${a.kind}) cannot stand as this map key`);
        }
        lines.push(this.splice(a.action, indent));
        continue;
      }
      if (typeof value === 'string' && this.actions.has(value)) {
        lines.push(this.tokenLine(key, value, prefix, indent, dashed));
      } else if (isMap(value) && Object.keys(value).length > 0) {
        lines.push(`${prefix}${this.key(key)}:`, ...this.mapLines(value, `${indent}  `));
      } else if (Array.isArray(value) && value.length > 0) {
        lines.push(`${prefix}${this.key(key)}:`, ...this.listLines(value, `${indent}  `));
      } else {
        lines.push(
          ...this.indentLines(
            this.formatted(value, (v) => ({ [key]: v })),
            prefix,
            indent,
          ),
        );
      }
    }
    return lines;
  }

  /** `key: TOKEN` at its place: a whole value, or a line-level token (block, with, custom). */
  private tokenLine(key: string, token: string, prefix: string, indent: string, dashed: boolean): string {
    const a = this.actionOf(token, `the value of ${key}`);
    const k = this.key(key);
    switch (a.kind) {
      case 'block':
        return `${prefix}${k}:\n${indent}  {{- toYaml ${a.action} | nindent ${indent.length + 2} }}`;
      case 'with':
        if (dashed) break;
        return `${indent}{{- with ${a.action} }}\n${indent}${k}:\n${indent}  {{- toYaml . | nindent ${indent.length + 2} }}\n${indent}{{- end }}`;
      case 'custom':
        if (dashed) break;
        return a.render!(indent, k, this.yaml);
      case 'items':
        break;
      default:
        return `${prefix}${k}: ${this.inline(token)}`;
    }
    throw new Error(
      `template token ${token} (${a.kind}) cannot stand as the value of ${key}${dashed ? ' in a list item' : ''}`,
    );
  }

  /** The lines of a list whose dashes stand at `indent`. */
  private listLines(list: readonly unknown[], indent: string): string[] {
    const lines: string[] = [];
    for (const item of list) {
      if (typeof item === 'string' && this.actions.has(item)) {
        const a = this.actions.get(item)!;
        lines.push(a.kind === 'items' ? this.splice(a.action, indent) : `${indent}- ${this.inline(item)}`);
      } else if (isMap(item) && Object.keys(item).length > 0) {
        lines.push(...this.mapLines(item, `${indent}  `, `${indent}- `));
      } else if (Array.isArray(item) && item.length > 0) {
        throw new Error('a list directly inside a list is not written by the chart templates');
      } else {
        lines.push(
          ...this.indentLines(
            this.formatted(item, (v) => [v]),
            indent,
            indent,
          ),
        );
      }
    }
    return lines;
  }

  private key(key: string): string {
    return stringified(key);
  }

  /**
   * A scalar formatted by the yaml library, in its place (`shape` wraps it: `{ key: v }` for a pair,
   * `[v]` for a list item; block scalars included), with its tokens as they are (a token formats as plain
   * text, as the rendered value will), then each quoted token inside it written as `{{ action }}`: only the
   * tokens the value holds are replaced, in that one scalar's text. Other kinds cannot stand there.
   */
  private formatted(value: unknown, shape: (v: unknown) => unknown = (v) => v): string {
    let text = stringified(shape(value));
    if (typeof value !== 'string' || !value.includes(TOKEN_PREFIX)) return text;
    for (const [token, a] of this.actions) {
      if (!value.includes(token)) continue;
      if (a.kind !== 'quoted') throw new Error(`template token ${token} (${a.kind}) cannot stand inside a string`);
      text = text.split(token).join(`{{ ${a.action} }}`);
    }
    return text;
  }

  /** Lines of formatted text: the first after `first`, the rest after `rest`. */
  private indentLines(text: string, first: string, rest: string): string[] {
    return text.split('\n').map((line, i) => (i === 0 ? first : rest) + line);
  }
}

/**
 * The yaml library's text of a small value (a key, a pair, a list item), remembered by the value: the
 * same keys and scalars recur in every manifest of every chart, and each stringify builds a document.
 */
const STRINGIFIED = new Map<string, string>();

function stringified(value: unknown): string {
  const id = JSON.stringify(value);
  let text = STRINGIFIED.get(id);
  if (text === undefined) {
    text = YAML.stringify(value, YAML_OPTIONS).trimEnd();
    STRINGIFIED.set(id, text);
  }
  return text;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
