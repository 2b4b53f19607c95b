import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { missingModelPathsWarning } from '../projenrc/model-paths';
import {
  CHECK_PERFORMANCE_REGRESSION,
  CHECK_SWIFT_PINS,
  cliStep,
  envNameOf,
  github,
  LOAD_TEST,
  Platform,
  runnerVariables,
  stepOutput,
  runStep,
} from '../src';
import { TEST_PLATFORM } from './fixtures/platforms';

describe('cliStep', () => {
  test('each value is named once: in env, and quoted in the command line', () => {
    const step = cliStep(LOAD_TEST, {
      name: 'Load',
      args: { baseUrl: 'http://127.0.0.1:8000', path: '/v1/synthesize', rate: 20 },
    });
    expect(step.props).toMatchObject({
      env: { BASE_URL: 'http://127.0.0.1:8000', ARG_PATH: '/v1/synthesize', RATE: 20 },
    });
    expect((step.props as { run: string }).run).toBe(
      'npx --no-install load-test \\\n  --base-url "$BASE_URL" \\\n  --path "$ARG_PATH" \\\n  --rate "$RATE"\n',
    );
  });

  test('names the shell or the runner owns are never set (PATH, GITHUB_*)', () => {
    expect(envNameOf('path')).toBe('ARG_PATH');
    expect(envNameOf('home')).toBe('ARG_HOME');
    expect(envNameOf('runnerClass')).toBe('ARG_RUNNER_CLASS');
    expect(envNameOf('baseUrl')).toBe('BASE_URL');
  });

  test('a runner variable is read as is; a switch with an expression is added only when true at run time', () => {
    const step = cliStep(CHECK_PERFORMANCE_REGRESSION, {
      name: 'Gate',
      args: {
        current: 'c.json',
        history: 'h.json',
        summary: runnerVariables.stepSummary,
        updateHistory: github.eventName.eq('schedule'),
      },
    });
    const run = (step.props as { run: string }).run;
    expect(step.props.env).toEqual({
      CURRENT: 'c.json',
      HISTORY: 'h.json',
      UPDATE_HISTORY: github.eventName.eq('schedule'),
    });
    expect(run).toContain('if [ "$UPDATE_HISTORY" = "true" ]; then args+=(--update-history); fi');
    expect(run).toContain('--summary "$GITHUB_STEP_SUMMARY"');
    expect(run).toMatch(/"\$\{args\[@\]\}"\n$/);
  });

  test('a repeated flag gets one env variable per value', () => {
    const step = cliStep(CHECK_SWIFT_PINS, {
      name: 'Pins',
      args: { resolved: 'P.resolved', require: ['WhisperKit', 'Other'] },
    });
    expect(step.props.env).toEqual({ RESOLVED: 'P.resolved', REQUIRE_1: 'WhisperKit', REQUIRE_2: 'Other' });
  });

  test('fails when the step env and an argument set the same variable', () => {
    expect(() => cliStep(LOAD_TEST, { name: 'Load', env: { RATE: 1 }, args: { rate: 2 } })).toThrow(
      'cliStep "Load": env RATE is set twice',
    );
  });
});

describe('step outputs', () => {
  test('only declared outputs can be read', () => {
    const step = runStep({ name: 'Build', id: 'build', outputs: ['digest'], run: 'true' });
    expect(stepOutput(step, 'digest').toString()).toBe('${{ steps.build.outputs.digest }}');
    expect(() => stepOutput(step, 'digset')).toThrow('step "Build" declares no output "digset"; it declares: digest');
  });
});

describe('model paths missing from the checkout', () => {
  const platform = Platform.fromDefinition(TEST_PLATFORM);
  test('are listed once, by field, as a warning', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'paths-'));
    mkdirSync(path.join(root, 'services', 'tts'), { recursive: true });
    const warning = missingModelPathsWarning(platform, root)!;
    expect(warning).toMatch(/^warning: 6 path\(s\) of the platform model are not in this checkout/);
    expect(warning).toContain('  - services.agent.path: services/agent');
    expect(warning).not.toContain('services.tts.path');
    // The folder is there but the image cannot build without its Dockerfile.
    expect(warning).toContain('  - services.tts.build.dockerfile: services/tts/Dockerfile');
  });
});
