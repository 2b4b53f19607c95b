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

/**
 * Renders data as YAML: 2-space indent, no line folding, block literals for scripts. Undefined values
 * are left out (the library's default), and an object met twice is written twice, never as an anchor
 * and alias. Every string a YAML 1.1 reader would misread is double-quoted, keys and values alike; a
 * pinned `uses:` gets its version as a comment.
 */
export function toYaml(data: unknown, options: ToYamlOptions = {}): string {
  // No JSON round trip first (as prune does): the library drops undefined values itself, and the copy
  // cost a sixth of the time of this function.
  const doc = new YAML.Document(data, { aliasDuplicateObjects: false });
  const plainKeys = new Set(options.plainTopLevelKeys ?? []);
  const versionOf = options.versionOfSha;
  const quoteIfMisread = (node: unknown) => {
    if (YAML.isScalar(node) && typeof node.value === 'string' && misreadByYaml11(node.value)) {
      node.type = 'QUOTE_DOUBLE';
    }
  };
  // One walk over the maps, sequences and scalars the document holds (all it can hold here): the
  // library's generic visitor, with a path kept for every node, took twice as long.
  const walk = (node: unknown, topLevel: boolean): void => {
    if (YAML.isMap(node)) {
      for (const { key, value } of node.items) {
        if (!(topLevel && YAML.isScalar(key) && plainKeys.has(key.value as string))) quoteIfMisread(key);
        if (versionOf && YAML.isScalar(key) && key.value === 'uses' && YAML.isScalar(value)) {
          const match = /@([0-9a-f]{40})$/.exec(String(value.value));
          const version = match ? versionOf(match[1]!) : undefined;
          if (version) value.comment = ` ${version}`;
        }
        walk(value, false);
      }
    } else if (YAML.isSeq(node)) {
      for (const item of node.items) walk(item, false);
    } else {
      quoteIfMisread(node);
    }
  };
  walk(doc.contents, true);
  // No directives (none is written): asking for them walks the whole document for tags, a tenth of the time.
  return doc.toString({ indent: 2, lineWidth: 0, directives: false });
}
