import { createProject } from './projenrc/project';

// Everything lives in projenrc/project.ts so the tests can build the very same project
// into a temporary folder and compare it with what is committed.
createProject().synth();
