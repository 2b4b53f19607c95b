import { VALUES, valuesExpression } from '../../src/synth/k8s/helm/values-ref';

describe('typed paths into the chart values', () => {
  test('a path of field names is a dotted .Values path', () => {
    expect(VALUES.image.repository.$).toBe('.Values.image.repository');
    expect(VALUES.networkPolicy.dns.to.$).toBe('.Values.networkPolicy.dns.to');
    expect(VALUES.$).toBe('.Values');
  });

  test('a key Go cannot take after a dot makes the path an index call that stands as one operand', () => {
    expect(VALUES.dependencies['speech-api']!.release.$).toBe('(index .Values "dependencies" "speech-api" "release")');
    expect(VALUES.dependencies.tts!.namespace.$).toBe('.Values.dependencies.tts.namespace');
    expect(valuesExpression(['config', '1st'])).toBe('(index .Values "config" "1st")');
  });
});
