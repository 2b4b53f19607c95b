import * as fc from 'fast-check';

// Property tests are deterministic: a fixed seed, so a failure reproduces on every machine.
fc.configureGlobal({ seed: 20261121, numRuns: 200 });
