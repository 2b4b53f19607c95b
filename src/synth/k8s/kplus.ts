// The one place cdk8s-plus is named: moving to a newer cdk8s-plus-NN is a change here only.
// Loaded on first use, not on import: only chart synthesis needs it, and loading it took about
// 0.16 s in every test file that imports this package (jest gives each file its own modules).
import type * as KPlus from 'cdk8s-plus-28';
import type * as K8s from 'cdk8s-plus-28/lib/imports/k8s';

export type { KPlus, K8s };

/** A module object that loads the module on the first property read. */
function onFirstUse<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  return new Proxy({} as T, { get: (_, key) => Reflect.get((loaded ??= load()), key) });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const kplus = onFirstUse<typeof KPlus>(() => require('cdk8s-plus-28'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const k8s = onFirstUse<typeof K8s>(() => require('cdk8s-plus-28/lib/imports/k8s'));
