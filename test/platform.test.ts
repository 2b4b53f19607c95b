import * as fc from 'fast-check';
import { cronProblem, Platform, type PlatformDefinition } from '../src';
import { PLATFORM } from '../workflows-gen/platform';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
function definition(mutate: (d: Mutable<PlatformDefinition>) => void): PlatformDefinition {
  const copy = structuredClone(PLATFORM) as Mutable<PlatformDefinition>;
  mutate(copy);
  return copy;
}

describe('Platform', () => {
  test('the embedded definition is valid and resolves image names under the registry', () => {
    const platform = Platform.fromDefinition(PLATFORM);
    expect(platform.service('tts').imageRepository).toBe('ghcr.io/voice-platform/tts');
    expect(platform.service('agent').pythonVersion).toBe('3.11');
  });

  test('fails when a port is out of range, naming the field', () => {
    expect(() => Platform.fromDefinition(definition((d) => { d.services[0]!.port = 70000; })))
      .toThrow(/\[services\[0\]\.port\] must be an integer from 1024 to 65535 \(the container runs as non-root\), got 70000/);
  });

  test('fails on a bad cron, naming the field and the part', () => {
    expect(() => Platform.fromDefinition(definition((d) => { d.schedules.performance = '0 25 * * *'; })))
      .toThrow(/\[schedules\.performance\] hour field "25": 25 is outside 0–23 in "0 25 \* \* \*"/);
  });

  test('fails on an invalid Kubernetes name and an invalid image name', () => {
    const error = () => Platform.fromDefinition(definition((d) => { d.services[0]!.name = 'TTS_Service'; d.services[1]!.imageName = 'Agent'; }));
    expect(error).toThrow(/\[services\[0\]\.name\] "TTS_Service" must be lowercase/);
    expect(error).toThrow(/\[services\[1\]\.imageName\] "Agent" is not a valid image name/);
  });

  test('fails on a duplicate service and on a call to an unknown service', () => {
    expect(() => Platform.fromDefinition(definition((d) => { d.services[1]!.name = 'tts'; })))
      .toThrow(/\[services\[1\]\.name\] duplicate service "tts" \(also services\[0\]\)/);
    expect(() => Platform.fromDefinition(definition((d) => { d.services[1]!.calls = ['ttx']; })))
      .toThrow(/\[services\[1\]\.calls\[0\]\] unknown service "ttx"; known: agent, tts/);
  });

  test('fails on environment resources for an unknown service, a bad quantity, or a kind node image not pinned by digest', () => {
    const error = () => Platform.fromDefinition(definition((d) => {
      (d.environments[1] as any).resources = { asr: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' }, tts: { cpuRequest: 'one', memoryRequest: '1Gi', memoryLimit: '2Gi' } };
      (d.toolchain as any).kindNodeDigest = 'latest';
    }));
    expect(error).toThrow(/\[environments\[1\]\.resources\.asr\] is not a service of the model \(tts, agent\)/);
    expect(error).toThrow(/\[environments\[1\]\.resources\.tts\.cpuRequest\]/);
    expect(error).toThrow(/\[toolchain\.kindNodeDigest\] "latest" must be sha256:<64 hex digits>, the digest of kindest\/node:v1\.32\.11/);
  });

  test('reports every problem in one message', () => {
    const bad = definition((d) => { d.services[0]!.port = 80; d.services[0]!.healthPath = 'health'; d.dependencyUpdates.cooldownDays = 1; });
    expect(() => Platform.fromDefinition(bad)).toThrow(/Invalid platform definition \(3\)/);
  });

  test('an unknown service lookup lists the known services', () => {
    expect(() => Platform.fromDefinition(PLATFORM).service('ttx')).toThrow('Unknown service "ttx"; the platform defines: agent, tts');
  });
});

describe('cronProblem (GitHub dialect)', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 9 * * 1', '0 0 1,15 JAN-MAR MON-FRI', '30 4 * * 0'])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });
  test.each([
    ['0 2 * *', /5 fields/],
    ['0 0 0 2 * * *', /5 fields/],
    ['60 * * * *', /minute field .*60 is outside 0–59/],
    ['0 0 0 * *', /day of month .*0 is outside 1–31/],
    ['0 0 * 13 *', /month .*13 is outside 1–12/],
    ['0 0 * * 7', /day of week .*7 is outside 0–6/],
    ['*/0 * * * *', /step "0"/],
    ['5-1 * * * *', /runs backwards/],
    ['0 0 L * *', /"L" is not a number/],
  ])('rejects %s', (cron, message) => {
    expect(cronProblem(cron)).toMatch(message);
  });

  test('accepts every in-range minute/hour pair (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), (m, h) => cronProblem(`${m} ${h} * * *`) === undefined));
  });

  test('rejects every out-of-range minute (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 60, max: 10_000 }), (m) => /outside 0–59/.test(cronProblem(`${m} * * * *`) ?? '')));
  });
});
