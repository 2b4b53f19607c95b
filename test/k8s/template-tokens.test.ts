import * as YAML from 'yaml';
import { TemplateTokens } from '../../src/synth/k8s/helm/templates';

describe('TemplateTokens writes each token where the object holds it', () => {
  test('whole values, a string holding a token, block, with, splices and a custom line', () => {
    const t = new TemplateTokens();
    const name = t.quoted('include "x.fullname" .');
    const text = t.render({
      metadata: {
        name: `${name}-test`,
        labels: { fixed: 'a', [t.items('.Values.podLabels')]: '' },
        annotations: t.with('.Values.annotations'),
      },
      spec: {
        replicas: t.value('.Values.replicaCount'),
        image: t.literal('"{{ .Values.image }}"'),
        resources: t.block('.Values.resources'),
        env: [{ name: 'URL', value: `http://${name}:8000` }, t.items('.Values.extraEnv')],
        command: ['sleep', t.quoted('.Values.sleep | toString')],
        selector: t.custom((i, key, yaml) => `${i}${key}:\n${yaml({ instance: name, port: 80 }, `${i}  `)}`),
        empty: {},
        none: [],
      },
    });
    expect(text).toBe(
      [
        'metadata:',
        '  name: {{ include "x.fullname" . }}-test',
        '  labels:',
        '    fixed: a',
        '    {{- with .Values.podLabels }}',
        '    {{- toYaml . | nindent 4 }}',
        '    {{- end }}',
        '  {{- with .Values.annotations }}',
        '  annotations:',
        '    {{- toYaml . | nindent 4 }}',
        '  {{- end }}',
        'spec:',
        '  replicas: {{ .Values.replicaCount }}',
        '  image: "{{ .Values.image }}"',
        '  resources:',
        '    {{- toYaml .Values.resources | nindent 4 }}',
        '  env:',
        '    - name: URL',
        '      value: http://{{ include "x.fullname" . }}:8000',
        '    {{- with .Values.extraEnv }}',
        '    {{- toYaml . | nindent 4 }}',
        '    {{- end }}',
        '  command:',
        '    - sleep',
        '    - {{ .Values.sleep | toString | quote }}',
        '  selector:',
        '    instance: {{ include "x.fullname" . | quote }}',
        '    port: 80',
        '  empty: {}',
        '  none: []',
        '',
      ].join('\n'),
    );
  });

  test('without tokens the text is what YAML.stringify writes (quoting, block scalars, nesting)', () => {
    const manifest = {
      a: 'on',
      b: 'x: y',
      c: 'line 1\nline 2\n',
      d: [{ e: 1, f: [true, null] }, 'g', { h: { i: '' } }],
      'j.k/l': 3,
      '': 'empty key',
    };
    expect(new TemplateTokens().render(manifest)).toBe(YAML.stringify(manifest, { indent: 2, lineWidth: 0 }));
  });

  test('the only-if switch wraps the whole file', () => {
    expect(new TemplateTokens().render({ a: 1 }, { onlyIf: '.Values.on' })).toBe(
      '{{- if .Values.on }}\na: 1\n{{- end }}\n',
    );
  });

  test('a token where its kind cannot stand is an error naming the token and the place', () => {
    const t = new TemplateTokens();
    expect(() => t.render({ a: [t.with('.Values.x')] })).toThrow(
      'template token __HELM_0__ (with) cannot stand as a whole value',
    );
    expect(() => t.render({ a: [{ b: t.with('.Values.y') }] })).toThrow(
      'template token __HELM_1__ (with) cannot stand as the value of b in a list item',
    );
    expect(() => t.render({ a: `x-${t.value('.Values.z')}` })).toThrow(
      'template token __HELM_2__ (value) cannot stand inside a string',
    );
    expect(() => t.render({ [t.quoted('.Values.k')]: 'v' })).toThrow(
      'template token __HELM_3__ (quoted) cannot stand as this map key',
    );
    expect(() => t.render({ a: t.items('.Values.m') })).toThrow(
      'template token __HELM_4__ (items) cannot stand as the value of a',
    );
    expect(() => new TemplateTokens().render({ a: '__HELM_7__' })).not.toThrow();
    expect(() => new TemplateTokens().render({ __HELM_7__: '' })).toThrow(
      "template token __HELM_7__ was not made by this chart's tokens (the key __HELM_7__)",
    );
  });
});
