/**
 * One synthesis of the platform grown to N services, in memory (nothing is written), for the
 * scale bench: prints JSON with the time and CPU of building and checking the tree, the generated
 * size, each workflow's size and jobs per run, and the policy's findings.
 * Usage: node --require ./projenrc/transpile-cache.js bench/scale-synth.ts <services>
 */
// First: synthesis runs with V8's tiering for short runs (projenrc/v8-tiering.js), measured as it runs.
import '../projenrc/v8-tiering';
import * as path from 'node:path';
import { ActionPins, workflowRunShape, type WorkflowTarget } from '../src';
import { platformWithServices } from '../test/fixtures/platforms';
import { buildPipelines } from '../workflows-gen';

const services = Number(process.argv[2]);
// Another repository's reusable workflows start the jobs their pins declare, as the policy counts them.
const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const { files, findings } = buildPipelines({ definition: platformWithServices(services) }).check();
const cpu = process.cpuUsage(cpuStart);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const workflows = Object.fromEntries(
  files
    .filter((f) => f.policyTarget?.kind === 'workflow')
    .map((f) => {
      const target = f.policyTarget as WorkflowTarget;
      return [
        f.filePath.split('/').pop()!,
        {
          bytes: Buffer.byteLength(f.text),
          jobsPerRun: workflowRunShape(target, (uses) => pins.jobsOfWorkflow(uses)).jobs,
        },
      ];
    }),
);
process.stdout.write(
  `${JSON.stringify({
    services,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    files: files.length,
    bytes: files.reduce((n, f) => n + Buffer.byteLength(f.text), 0),
    workflows,
    findings: findings.map((f) => `[${f.location}] ${f.code ?? ''} ${f.message}`),
  })}\n`,
);
