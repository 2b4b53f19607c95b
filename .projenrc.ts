import { createProject } from './projenrc/project';
import { missingModelPathsWarning } from './projenrc/model-paths';
import { FindingsError, Platform, ValidationError } from './src';
import { PLATFORM } from './workflows-gen/platform';

// Everything lives in projenrc/project.ts so the tests can build the very same project
// into a temporary folder and compare it with what is committed.
try {
  createProject().synth();
  const warning = missingModelPathsWarning(Platform.fromDefinition(PLATFORM), __dirname);
  if (warning) process.stderr.write(warning);
} catch (e) {
  // A mistake in a definition is the user's to fix: the message names the path and field; a
  // stack trace would only hide it. Anything else is a bug and keeps its trace.
  if (!(e instanceof FindingsError || e instanceof ValidationError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
