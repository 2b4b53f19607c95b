import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { corpusReferences } from './standins/corpus';
import { PLATFORM } from '../../workflows-gen/platform';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** The bytes of the one fixture model (a stand-in for a WhisperKit model archive). */
export const MODEL_BYTES = Buffer.from('stand-in WhisperKit model weights\n'.repeat(64));
export const MODEL_SHA256 = createHash('sha256').update(MODEL_BYTES).digest('hex');
export const MODEL_ID = 'openai_whisper-tiny';
/** Where models.json says the fixture model is, and its path on the model host (Hugging Face's layout). */
const FIXTURE_MODEL_SOURCE = {
  repository: 'argmaxinc/whisperkit-coreml',
  revision: 'a'.repeat(40),
  file: `${MODEL_ID}.zip`,
};
export const FIXTURE_MODEL_PATH = `${FIXTURE_MODEL_SOURCE.repository}/resolve/${FIXTURE_MODEL_SOURCE.revision}/${FIXTURE_MODEL_SOURCE.file}`;

const pyproject = (name: string) =>
  `[project]\nname = "${name}"\nversion = "1.0.0"\nrequires-python = ">=3.11"\ndependencies = ["fastapi==0.115.0"]\n`;
const uvLock = (name: string) =>
  `version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.0"\n\n[[package]]\nname = "${name}"\nversion = "1.0.0"\n`;

/** The monorepo files the model points at (services, the app), standing in for the platform's own code. */
export function monorepoFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const s of PLATFORM.services) {
    files[`${s.path}/pyproject.toml`] = pyproject(s.name);
    files[`${s.path}/uv.lock`] = uvLock(s.name);
    files[`${s.path}/Dockerfile`] =
      `ARG BASE_IMAGE=python:3.11-slim\nFROM \${BASE_IMAGE}\nCOPY . /app\nUSER 10001\nCMD ["python3", "/app/server.py"]\n`;
    files[`${s.path}/server.py`] = `# ${s.name} service\n`;
  }
  const app = PLATFORM.app!;
  if (app.referenceTranscripts) files[app.referenceTranscripts] = JSON.stringify(corpusReferences(), null, 2);
  files[app.modelsJson] = JSON.stringify(
    {
      schemaVersion: 1,
      models: [
        {
          id: MODEL_ID,
          provider: 'whisperkit',
          version: '1.0.0',
          source: FIXTURE_MODEL_SOURCE,
          sha256: MODEL_SHA256,
          sizeBytes: MODEL_BYTES.length,
        },
      ],
    },
    null,
    2,
  );
  files[app.packageResolved] = JSON.stringify(
    {
      originHash: 'f'.repeat(64),
      version: 3,
      pins: [
        {
          identity: 'whisperkit',
          kind: 'remoteSourceControl',
          location: `https://${WHISPERKIT_PIN.name}.git`,
          state: { revision: '1f3e5a3b2c4d5e6f708192a3b4c5d6e7f8091a2b', version: WHISPERKIT_PIN.version },
        },
      ],
    },
    null,
    2,
  );
  files[`${app.project}/project.pbxproj`] = '// !$*UTF8*$!\n{ archiveVersion = 1; }\n';
  files[`${app.path}/VoiceTranscriber/App.swift`] =
    'import SwiftUI\n@main struct App: SwiftUI.App { var body: some Scene { WindowGroup { Text("hi") } } }\n';
  files[`${app.path}/.swiftlint.yml`] = 'strict: true\n';
  return files;
}

/** The app's WhisperKit pin in the fixture's Package.resolved, as OSV's SwiftURL ecosystem names it. */
export const WHISPERKIT_PIN = { name: 'github.com/argmaxinc/WhisperKit', version: '0.9.4' } as const;

/** Seeds the remote's first commit: this repository's committed tree (HEAD) plus the monorepo files. */
export function seedRepository(dir: string): void {
  const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
    cwd: REPO_ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  for (const [file, content] of Object.entries(monorepoFiles())) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
}
