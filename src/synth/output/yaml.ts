import * as YAML from 'yaml';

/** Options of {@link toYaml}. */
export interface ToYamlOptions {
  /**
   * Gives the release a pinned SHA stands for; it is written as a trailing `# vX.Y.Z`
   * comment after `uses:` so reviewers see versions while the pin stays a SHA.
   * @default - no comments
   */
  readonly versionOfSha?: (sha: string) => string | undefined;
  /**
   * Top-level keys written plain even where YAML 1.1 would read them otherwise: a workflow's
   * `on`, which GitHub reads itself (as a string).
   * @default []
   */
  readonly plainTopLevelKeys?: readonly string[];
}

/** The tags a YAML 1.1 reader may resolve a plain scalar to, other than a string: the library's own tests. */
const YAML11_IMPLICIT_TAGS = new YAML.Schema({ schema: 'yaml-1.1' }).tags.filter(
  (tag): tag is typeof tag & { test: RegExp } => tag.default === true && tag.test instanceof RegExp,
);

/**
 * Whether a YAML 1.1 reader (Dependabot's, PyYAML, Ruby's Psych) would read this string, written
 * plain, as something else: `06:00` (base 60), `on`/`off`/`yes`/`no`/`y`/`n`, `0755` (octal).
 * The 1.2 writer leaves those plain, because in 1.2 they are strings. The reader picks the first
 * implicit tag whose test matches a plain scalar (as the yaml library's composer does); matching
 * those tests directly costs a fraction of parsing each string (30 ms of a synthesis).
 */
function misreadByYaml11(value: string): boolean {
  return YAML11_IMPLICIT_TAGS.some((tag) => tag.test.test(value));
}

/** Drops undefined values (and empty `with`/`env` left behind by them) so YAML stays tidy. */
export function prune<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Renders data as YAML: 2-space indent, no line folding, block literals for scripts. */
export function toYaml(data: unknown, options: ToYamlOptions = {}): string {
  const doc = new YAML.Document(prune(data));
  const plainKeys = new Set(options.plainTopLevelKeys ?? []);
  const versionOf = options.versionOfSha;
  // One walk: every string a YAML 1.1 reader would misread is double-quoted, keys and values alike;
  // a pinned `uses:` gets its version as a comment.
  YAML.visit(doc, {
    Scalar(_, node, path) {
      if (typeof node.value !== 'string' || node.type === 'BLOCK_LITERAL' || !misreadByYaml11(node.value)) return;
      const parent = path[path.length - 1];
      const isTopLevelKey = YAML.isPair(parent) && parent.key === node && path[path.length - 2] === doc.contents;
      if (isTopLevelKey && plainKeys.has(node.value)) return;
      node.type = 'QUOTE_DOUBLE';
    },
    Pair(_, pair) {
      if (!versionOf || !YAML.isScalar(pair.key) || pair.key.value !== 'uses' || !YAML.isScalar(pair.value)) return;
      const match = /@([0-9a-f]{40})$/.exec(String(pair.value.value));
      const version = match ? versionOf(match[1]!) : undefined;
      if (version) pair.value.comment = ` ${version}`;
    },
  });
  return doc.toString({ indent: 2, lineWidth: 0 });
}
