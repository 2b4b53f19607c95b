import * as YAML from 'yaml';

/**
 * A renderer for exactly the Go-template subset the generated charts use (see templates.ts).
 * It exists so tests can render the charts without a Helm binary; anything outside the subset
 * throws, so a template that drifts beyond it fails the tests instead of rendering wrongly.
 * `helm lint` and `helm template` still run on GitHub (ci-helm-validate.yml).
 */
export interface RenderContext {
  readonly Values: unknown;
  readonly Release: { readonly Name: string; readonly Namespace: string; readonly Service: string };
  readonly Chart: { readonly Name: string; readonly Version: string; readonly AppVersion: string };
}

type Node = { kind: 'text'; text: string } | { kind: 'print'; pipeline: string } | { kind: 'if'; condition: string; then: Node[]; else: Node[] };

interface Action { body: string; trimLeft: boolean; trimRight: boolean }

function lex(template: string): (string | Action)[] {
  const parts: (string | Action)[] = [];
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    parts.push(template.slice(last, m.index));
    parts.push({ body: m[2]!.trim(), trimLeft: m[1] !== undefined, trimRight: m[3] !== undefined });
    last = re.lastIndex;
  }
  parts.push(template.slice(last));
  // Apply whitespace trimming to the neighbouring text, as Go templates do.
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (typeof p === 'string') continue;
    if (p.trimLeft && typeof parts[i - 1] === 'string') parts[i - 1] = (parts[i - 1] as string).replace(/\s+$/, '');
    if (p.trimRight && typeof parts[i + 1] === 'string') parts[i + 1] = (parts[i + 1] as string).replace(/^\s+/, '');
  }
  return parts;
}

function parse(parts: (string | Action)[]): Node[] {
  let i = 0;
  const block = (terminators: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < parts.length) {
      const p = parts[i++]!;
      if (typeof p === 'string') {
        if (p) nodes.push({ kind: 'text', text: p });
        continue;
      }
      if (p.body.startsWith('/*')) {
        if (!p.body.endsWith('*/')) throw new Error(`unterminated comment: {{${p.body}}}`);
        continue;
      }
      if (terminators.includes(p.body)) return { nodes, end: p.body };
      if (p.body.startsWith('if ')) {
        const then = block(['else', 'end']);
        const otherwise = then.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ kind: 'if', condition: p.body.slice(3).trim(), then: then.nodes, else: otherwise });
        continue;
      }
      if (p.body === 'else' || p.body === 'end') throw new Error(`unexpected {{ ${p.body} }}`);
      if (/^(range|with|define|include|template|block|tpl)\b/.test(p.body)) throw new Error(`"${p.body}" is outside the supported subset`);
      nodes.push({ kind: 'print', pipeline: p.body });
    }
    if (terminators.length > 0) throw new Error(`missing {{ ${terminators.join(' or ')} }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

function lookup(ctx: RenderContext, path: string): unknown {
  const keys = path.split('.').slice(1);
  let value: unknown = ctx;
  for (const [i, key] of keys.entries()) {
    if (typeof value !== 'object' || value === null || !(key in value)) throw new Error(`no value at .${keys.slice(0, i + 1).join('.')}`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function term(ctx: RenderContext, token: string): unknown {
  if (token.startsWith('.')) return lookup(ctx, token);
  if (/^".*"$/.test(token)) return JSON.parse(token);
  if (/^-?\d+$/.test(token)) return Number(token);
  throw new Error(`unsupported term "${token}"`);
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function toYamlValue(v: unknown): string {
  return YAML.stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

/** One command of a pipeline; `input` is the value piped in (undefined for the first command). */
function command(ctx: RenderContext, words: string[], input: unknown, piped: boolean): unknown {
  const [name, ...args] = words;
  const argv = args.map((a) => term(ctx, a));
  if (piped) argv.push(input);
  switch (name) {
    case 'quote': return `"${String(argv[0] ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'default': return truthy(argv[1]) ? argv[1] : argv[0];
    case 'not': return !truthy(argv[0]);
    case 'toYaml': return toYamlValue(argv[0]);
    case 'nindent': {
      const pad = ' '.repeat(Number(argv[0]));
      return '\n' + String(argv[1]).split('\n').map((l) => pad + l).join('\n');
    }
    default:
      if (piped || args.length > 0) throw new Error(`unsupported function "${name}"`);
      return term(ctx, name!);
  }
}

function evaluate(ctx: RenderContext, pipeline: string): unknown {
  const stages = pipeline.split('|').map((s) => s.trim().split(/\s+/));
  let value: unknown;
  stages.forEach((words, i) => { value = command(ctx, words, value, i > 0); });
  return value;
}

function print(v: unknown): string {
  if (typeof v === 'object' && v !== null) throw new Error('printing a map or list directly is outside the subset; use toYaml');
  return String(v);
}

function run(nodes: Node[], ctx: RenderContext): string {
  return nodes.map((n) => {
    if (n.kind === 'text') return n.text;
    if (n.kind === 'print') return print(evaluate(ctx, n.pipeline));
    return run(truthy(evaluate(ctx, n.condition)) ? n.then : n.else, ctx);
  }).join('');
}

/** Renders a template of the supported subset; throws on anything else or on a missing value. */
export function renderHelmSubset(template: string, ctx: RenderContext): string {
  return run(parse(lex(template)), ctx);
}
