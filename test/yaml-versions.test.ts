import * as YAML from 'yaml';
import { toYaml } from '../src';
import { generatedPaths, synthProject } from './support/project';

const files = synthProject();
// Chart templates are Go templates, YAML only once Helm renders them.
const yamlFiles = generatedPaths(files).filter((f) => /\.ya?ml$/.test(f) && !f.includes('/templates/'));

/** Parses under one YAML version; a workflow's top-level `on` key is read by GitHub itself, as a string. */
function parse(text: string, version: '1.1' | '1.2', isWorkflow: boolean): unknown {
  const doc = YAML.parseDocument(text, { version });
  if (isWorkflow && YAML.isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (YAML.isScalar(pair.key) && pair.key.value === true && String(pair.key.source) === 'on') pair.key.value = 'on';
    }
  }
  return doc.toJS();
}

describe('every generated YAML file reads the same under YAML 1.1 and 1.2', () => {
  // Dependabot (and PyYAML, Ruby's Psych) read YAML 1.1, where 06:00 is a base-60 number and
  // yes/no/on/off are booleans; the tests' parser reads 1.2. Both must see the same file.
  test.each(yamlFiles)('%s', (file) => {
    const text = files[file]!;
    const isWorkflow = file.startsWith('.github/workflows/');
    expect(parse(text, '1.1', isWorkflow)).toEqual(parse(text, '1.2', isWorkflow));
  });

  test('the check sees the difference: an unquoted 06:00 or yes reads otherwise under 1.1', () => {
    const text = 'time: 06:00\nenabled: yes\nmode: 0755\n';
    expect(parse(text, '1.1', false)).not.toEqual(parse(text, '1.2', false));
  });

  test('the renderer quotes what 1.1 would misread, and nothing else', () => {
    const text = toYaml({
      time: '06:00',
      answer: 'yes',
      flag: 'off',
      letter: 'y',
      mode: '0755',
      name: 'tts',
      port: 8000,
      script: 'a\nb\n',
    });
    expect(text).toBe(
      'time: "06:00"\nanswer: "yes"\nflag: "off"\nletter: "y"\nmode: "0755"\nname: tts\nport: 8000\nscript: |\n  a\n  b\n',
    );
  });

  test("each string is judged by the 1.1 schema's own implicit-tag tests: words, numbers, times; not a merge key in a value", () => {
    const values = {
      upper: 'FALSE',
      infinity: '.inf',
      thousand: '1_000',
      clock: '12:30:00',
      merge: '<<',
      phrase: 'yes we can',
      comment: 'yes # not a comment',
      // No plain scalar at all: the writer quotes it in its own, readable way (no escaped double quotes).
      json: '{"include":[{"os":"linux"}]}',
    };
    const text = toYaml(values);
    expect(text).toBe(
      'upper: "FALSE"\ninfinity: ".inf"\nthousand: "1_000"\nclock: "12:30:00"\nmerge: <<\nphrase: yes we can\ncomment: "yes # not a comment"\njson: \'{"include":[{"os":"linux"}]}\'\n',
    );
    expect(parse(text, '1.1', false)).toEqual(values);
  });
});

describe('the renderer writes the data as it is, in one pass', () => {
  test('undefined values are left out; an object met twice is written twice, never as an anchor and alias', () => {
    const shared = { cpu: '100m' };
    const text = toYaml({ requests: shared, limits: shared, gone: undefined, kept: { a: 1, b: undefined } });
    expect(text).toBe('requests:\n  cpu: 100m\nlimits:\n  cpu: 100m\nkept:\n  a: 1\n');
  });

  test('keys and sequence items at any depth are quoted where 1.1 would misread them; only a listed top-level key stays plain', () => {
    const text = toYaml(
      { on: { yes: ['no', 'n', { off: 'on' }] }, nested: { on: 'x' } },
      { plainTopLevelKeys: ['on'] },
    );
    expect(text).toBe('on:\n  "yes":\n    - "no"\n    - "n"\n    - "off": "on"\nnested:\n  "on": x\n');
  });

  test('a pinned uses: gets its release as a comment, at any depth; an unknown SHA or a tag gets none', () => {
    const sha = 'a'.repeat(40);
    const text = toYaml(
      { steps: [{ uses: `actions/checkout@${sha}` }, { uses: `actions/cache@${'b'.repeat(40)}` }, { uses: 'x/y@v1' }] },
      { versionOfSha: (s) => (s === sha ? 'v5.0.0' : undefined) },
    );
    expect(text).toBe(
      `steps:\n  - uses: actions/checkout@${sha} # v5.0.0\n  - uses: actions/cache@${'b'.repeat(40)}\n  - uses: x/y@v1\n`,
    );
  });
});
