import * as y from 'yaml';
test('loads', () => { expect(y.parse('a: 1')).toEqual({ a: 1 }); });
