import { missingModelPathsWarning } from './projenrc/model-paths';
import { createProject } from './projenrc/project';
import { runSynthesis } from './projenrc/run-synthesis';
import { Platform } from './src';
import { PLATFORM } from './workflows-gen/platform';

// Everything lives in projenrc/ so the tests can build the very same project into a temporary
// folder and compare it with what is committed.
process.exitCode = runSynthesis(
  () => {
    createProject().synth();
    const warning = missingModelPathsWarning(Platform.fromDefinition(PLATFORM), __dirname);
    if (warning) process.stderr.write(warning);
  },
  (text) => process.stderr.write(text),
);
