import * as fc from 'fast-check';
import { cronProblem, defaultValues, Platform, valuesSchema, type PlatformDefinition } from '../src';
import { TEST_PLATFORM, testPlatform, type Mutable } from './fixtures/platforms';
import { schemaErrors } from './support/json-schema';
import { PLATFORM } from '../workflows-gen/platform';

/** The test platform changed by `mutate`: the model's rules are tested on the tests' own platform. */
const definition = testPlatform;

describe('Platform', () => {
  test('the embedded definition is valid and resolves image names under the registry', () => {
    const platform = Platform.fromDefinition(PLATFORM);
    expect(platform.service('tts').imageRepository).toBe('ghcr.io/voice-platform/tts');
    expect(platform.service('agent').pythonVersion).toBe('3.11');
  });

  test('fails when a port is out of range, naming the field', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          d.services[0]!.port = 70000;
        }),
      ),
    ).toThrow(
      /\[services\[0\]\.port\] must be an integer from 1024 to 65535 \(the container runs as non-root\), got 70000/,
    );
  });

  test('accepts a port the Fetch standard blocks (6000): no check of the pipelines uses fetch', () => {
    const platform = Platform.fromDefinition(
      definition((d) => {
        d.services[0]!.port = 6000;
      }),
    );
    expect(platform.services[0]!.port).toBe(6000);
  });

  // Guards a past defect: both synthesized before; the first made alerts.yml's if: always true.
  test.each([
    [
      "main' || true || '",
      (d: Mutable<PlatformDefinition>, v: string) => {
        d.defaultBranch = v;
      },
      /\[defaultBranch\] "main' \|\| true \|\| '" must be a branch name/,
    ],
    [
      '-main',
      (d: Mutable<PlatformDefinition>, v: string) => {
        d.defaultBranch = v;
      },
      /\[defaultBranch\] "-main" must be a branch name/,
    ],
    [
      'feature..x',
      (d: Mutable<PlatformDefinition>, v: string) => {
        d.defaultBranch = v;
      },
      /\[defaultBranch\] "feature\.\.x" must be a branch name/,
    ],
    [
      'main',
      (d: Mutable<PlatformDefinition>, v: string) => {
        (d.app.release as { feedBranch?: string }).feedBranch = v;
      },
      /\[app\.release\.feedBranch\] "main" is already defaultBranch: each job that pushes to it would push over the other's files/,
    ],
    [
      'main',
      (d: Mutable<PlatformDefinition>, v: string) => {
        d.performanceHistoryBranch = v;
      },
      /\[performanceHistoryBranch\] "main" is already defaultBranch/,
    ],
    [
      'perf-history',
      (d: Mutable<PlatformDefinition>, v: string) => {
        (d.app.release as { feedBranch?: string }).feedBranch = v;
      },
      /\[app\.release\.feedBranch\] "perf-history" is already performanceHistoryBranch/,
    ],
    [
      'appcast.lock',
      (d: Mutable<PlatformDefinition>, v: string) => {
        (d.app.release as { feedBranch?: string }).feedBranch = v;
      },
      /\[app\.release\.feedBranch\] "appcast\.lock" must be a branch name/,
    ],
  ])('refuses the branch %j, naming the field', (value, set, message) => {
    expect(() => Platform.fromDefinition(definition((d) => set(d, value)))).toThrow(message);
  });

  // Guards a past defect: tts's rollout ran helm uninstall on the release of a service named tts-canary.
  test("refuses a service named like another service's canary release, naming both", () => {
    const clash = () =>
      Platform.fromDefinition(
        definition((d) => {
          d.services[1]!.name = 'tts-canary';
          d.services[1]!.imageName = 'tts-canary';
        }),
      );
    expect(clash).toThrow(
      /\[services\[1\]\.name\] its Helm release "tts-canary" is already the Helm canary release of services\[0\]\.name: one rollout would upgrade and uninstall the other's release/,
    );
  });

  // Guards a past defect: names derived from the model, checked in one naming table.
  test.each([
    [
      "a service named like another's helm test pod",
      (d: Mutable<PlatformDefinition>) => {
        d.services[1]!.name = 'tts-test-connection';
        d.services[1]!.imageName = 'x';
      },
      /\[services\[1\]\.name\] its release's Deployment and Service "tts-test-connection" is already the release's helm test pod of services\[0\]\.name: both releases would own one Kubernetes object/,
    ],
    [
      'an environment and a service whose rollout records share a name',
      (d: Mutable<PlatformDefinition>) => {
        // staging + tts-agent and staging-tts + agent both derive the rollout record staging-tts-agent.
        d.services.push({
          ...structuredClone(d.services[1]!),
          name: 'tts-agent',
          imageName: 'tts-agent',
          path: 'services/tts-agent',
          port: 8999,
        });
        d.environments.push({
          ...structuredClone(d.environments[0]!),
          name: 'staging-tts',
          deploy: {
            ...structuredClone(d.environments[0]!.deploy!),
            clusterAuth: { kind: 'aws-oidc', region: 'eu-west-1', cluster: 'other' },
          },
        });
      },
      /\[environments\[2\]\.name and services\[1\]\.name\] its rollout record artifact "rollout-record-staging-tts-agent" is already the rollout record artifact of environments\[0\]\.name and services\[2\]\.name: one run cannot upload two artifacts of one name/,
    ],
    [
      "a service whose nightly metrics artifact is another's history artifact",
      (d: Mutable<PlatformDefinition>) => {
        d.services.push({
          ...structuredClone(d.services[0]!),
          name: 'history-tts',
          imageName: 'history-tts',
          path: 'services/history-tts',
          port: 8998,
        });
      },
      /\[services\[2\]\.name\] its ci-performance metrics artifact "perf-history-tts" is already the ci-performance history artifact of services\[0\]\.name: one nightly run cannot upload two artifacts of one name/,
    ],
    [
      "a service whose load-test history could be an app model's",
      (d: Mutable<PlatformDefinition>) => {
        d.services.push({
          ...structuredClone(d.services[0]!),
          name: 'app-transcribe-tts',
          imageName: 'x',
          path: 'services/x',
          port: 8997,
        });
      },
      /\[services\[2\]\.name\] its load-test history "app-transcribe-tts-synthesize" starts like the app's transcription histories/,
    ],
    [
      'a service whose canary release Helm would refuse',
      (d: Mutable<PlatformDefinition>) => {
        d.services[1]!.name = 'a'.repeat(50);
        d.services[1]!.imageName = 'x';
      },
      /\[services\[1\]\.name\] its canary release "a{50}-canary" is 57 characters; Helm refuses release names over 53/,
    ],
  ])('refuses %s, naming both fields', (_label, mutate, message) => {
    expect(() => Platform.fromDefinition(definition(mutate))).toThrow(message);
  });

  // Guards a past defect: such values broke compose interpolation and reached the chart unescaped.
  test.each([['two\nlines'], ['${HOME}'], ['${{ secrets.TOKEN }}']])(
    'refuses the setting value %j, naming the field',
    (value) => {
      expect(() =>
        Platform.fromDefinition(
          definition((d) => {
            (d.services[0]!.settings as Record<string, string>).TTS_DEFAULT_VOICE = value;
          }),
        ),
      ).toThrow(/\[services\[0\]\.settings\.TTS_DEFAULT_VOICE\] .* must be one line of text without "\$"/);
    },
  );

  // Guards a past defect: each synthesized; a main build would have deployed into production's cluster.
  test.each([
    [
      "a staging deploy into production's namespace",
      (d: Mutable<PlatformDefinition>) => {
        Object.assign(d.environments[0]!.deploy!, {
          namespace: 'voice',
          clusterAuth: { ...d.environments[1]!.deploy!.clusterAuth },
        });
      },
      /\[environments\[1\]\.deploy\.namespace\] "production" deploys into EKS cluster eu-west-1\/voice-production, namespace "voice", as environments\[0\] \("staging"\) does/,
    ],
    [
      "a staging deploy into production's cluster",
      (d: Mutable<PlatformDefinition>) => {
        Object.assign(d.environments[0]!.deploy!, { clusterAuth: { ...d.environments[1]!.deploy!.clusterAuth } });
      },
      /\[environments\[1\]\.deploy\.clusterAuth\] "production" deploys into EKS cluster eu-west-1\/voice-production, as environments\[0\] \("staging"\) does: .*give each environment a cluster of its own/,
    ],
    [
      "app tags the services' release tags match",
      (d: Mutable<PlatformDefinition>) => {
        Object.assign(d.app.release!, { tags: 'v*' });
      },
      /\[app\.release\.tags\] "v\*" and the services' releaseTags "v\*\.\*\.\*" can match the same tag: pushing an app tag would also deploy the services to production/,
    ],
    [
      'release tags that match app tags',
      (d: Mutable<PlatformDefinition>) => {
        d.releaseTags = '*';
      },
      /\[app\.release\.tags\] "app-v\*" and the services' releaseTags "\*" can match the same tag/,
    ],
    [
      'two app stages in one environment',
      (d: Mutable<PlatformDefinition>) => {
        Object.assign(d.app.release!, {
          environments: { beta: 'app-release', phased: 'app-release', everyone: 'app-everyone' },
        });
      },
      /\[app\.release\.environments\.phased\] "app-release" is already the GitHub environment of the app's beta stage: one approval would release both/,
    ],
    [
      "an app stage in production's environment",
      (d: Mutable<PlatformDefinition>) => {
        Object.assign(d.app.release!, {
          environments: { beta: 'app-beta', phased: 'app-phased', everyone: 'production' },
        });
      },
      /\[app\.release\.environments\.everyone\] "production" is already the GitHub environment of the deploy of environments\[1\] \("production"\)/,
    ],
  ])('refuses %s, naming the field and the one it clashes with', (_label, mutate, message) => {
    expect(() => Platform.fromDefinition(definition(mutate))).toThrow(message);
  });

  test('environments in their own clusters may share a namespace name; distinct tag prefixes pass', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          Object.assign(d.environments[0]!.deploy!, { namespace: 'voice' });
          d.releaseTags = 'release-*';
        }),
      ),
    ).not.toThrow();
  });

  // A kubeconfig secret of one name is a different secret in each GitHub environment: nothing to compare.
  test('two environments reading their kubeconfig from a secret of one name pass', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          Object.assign(d.environments[0]!.deploy!, { clusterAuth: { kind: 'kubeconfig' } });
          Object.assign(d.environments[1]!.deploy!, { clusterAuth: { kind: 'kubeconfig', secret: 'KUBECONFIG' } });
        }),
      ),
    ).not.toThrow();
  });

  // Guards a past defect: each synthesized into values the chart's own schema then refused at install.
  test.each([
    [
      'hostnames',
      ['https://agent.example'],
      /\[environments\[1\]\.deploy\.gateway\.hostnames\[0\]\] "https:\/\/agent\.example" must be a lowercase hostname/,
    ],
    [
      'hostnames',
      ['Agent.Example..com'],
      /\[environments\[1\]\.deploy\.gateway\.hostnames\[0\]\] "Agent\.Example\.\.com" must be a lowercase hostname/,
    ],
    [
      'parentRefs',
      [{ name: 'Public Gateway' }],
      /\[environments\[1\]\.deploy\.gateway\.parentRefs\[0\]\.name\] "Public Gateway" must be a DNS subdomain/,
    ],
    [
      'parentRefs',
      [{ name: 'public', namespace: 'gateway.ns' }],
      /\[environments\[1\]\.deploy\.gateway\.parentRefs\[0\]\.namespace\] "gateway\.ns" must be lowercase letters/,
    ],
    [
      'parentRefs',
      [{ name: 'public', sectionName: 'https:443' }],
      /\[environments\[1\]\.deploy\.gateway\.parentRefs\[0\]\.sectionName\] "https:443" must be a DNS subdomain/,
    ],
  ])('refuses gateway %s %j, naming the field', (field, value, message) => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          Object.assign(d.environments[1]!.deploy!.gateway!, { [field]: value });
        }),
      ),
    ).toThrow(message);
  });

  test("what the model accepts for a gateway, the chart's values schema accepts (property)", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
    const host = fc
      .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 4 }))
      .map(([wild, parts]) => `${wild ? '*.' : ''}${parts.join('.')}`);
    fc.assert(
      fc.property(
        fc.array(host, { maxLength: 3 }),
        fc.array(label, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
        (hostnames, name) => {
          const platform = Platform.fromDefinition(
            definition((d) => {
              Object.assign(d.environments[1]!.deploy!.gateway!, {
                hostnames,
                parentRefs: [{ name, namespace: 'gateway', sectionName: name }],
              });
            }),
          );
          const values = {
            ...defaultValues(platform, platform.service('agent')),
            httpRoute: {
              ...defaultValues(platform, platform.service('agent')).httpRoute,
              enabled: true,
              hostnames,
              parentRefs: [{ name, namespace: 'gateway', sectionName: name }],
            },
          };
          return schemaErrors(valuesSchema('agent', values), values).length === 0;
        },
      ),
      { numRuns: 50 },
    );
  });

  // Guards a past defect: a limit of 100 % made the watch gate unable to fail.
  test('refuses an error-rate limit the watch gate could not fail on', () => {
    const withLimit = (v: number) => () =>
      Platform.fromDefinition(
        definition((d) => {
          (d.environments[1]!.deploy as { maxErrorRatePct?: number }).maxErrorRatePct = v;
        }),
      );
    expect(withLimit(100)).toThrow(
      /\[environments\[1\]\.deploy\.maxErrorRatePct\] must be a percentage from 0 to 10 \(above it the gate passes a canary failing one request in ten\), got 100/,
    );
    expect(withLimit(Number.NaN)).toThrow(/maxErrorRatePct\] must be a percentage/);
    expect(withLimit(5)).not.toThrow();
  });

  test('refuses canary-analysis limits and a Prometheus scrape set-up Kubernetes or the analysis could not use, naming the field', () => {
    const at = (f: (d: any) => void) => () => Platform.fromDefinition(definition(f));
    expect(
      at((d) => {
        d.environments[1].deploy.canaryAnalysis = { maxP95IncreasePct: 0 };
      }),
    ).toThrow(
      /\[environments\[1\]\.deploy\.canaryAnalysis\.maxP95IncreasePct\] must be a percentage from 1 to 1000, got 0/,
    );
    expect(
      at((d) => {
        d.environments[1].deploy.canaryAnalysis = { minRequests: 2.5 };
      }),
    ).toThrow(
      /\[environments\[1\]\.deploy\.canaryAnalysis\.minRequests\] must be an integer from 1 to 1000000, got 2.5/,
    );
    expect(
      at((d) => {
        d.environments[0].metrics = { prometheusNamespace: 'Monitoring' };
      }),
    ).toThrow(/\[environments\[0\]\.metrics\.prometheusNamespace\] "Monitoring" must be lowercase/);
    expect(
      at((d) => {
        d.environments[0].metrics = { prometheusNamespace: 'monitoring', serviceMonitorLabels: { 'release/': 'x' } };
      }),
    ).toThrow(/\[environments\[0\]\.metrics\.serviceMonitorLabels\.release\/\] "release\/" must be a label name/);
    expect(
      at((d) => {
        d.environments[0].metrics = {
          prometheusNamespace: 'monitoring',
          serviceMonitorLabels: { release: 'kube prometheus' },
        };
      }),
    ).toThrow(/must be a label value/);
    const p = Platform.fromDefinition(
      definition((d: any) => {
        d.environments[1].deploy.canaryAnalysis = { minRequests: 20 };
      }),
    );
    expect(p.deployments.find((x) => x.environment === 'production')!.canaryAnalysis).toEqual({
      maxP95IncreasePct: 25,
      minRequests: 20,
    });
  });

  test('fails on a bad cron, naming the field and the part', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          d.schedules.performance = '0 25 * * *';
        }),
      ),
    ).toThrow(/\[schedules\.performance\] hour field "25": 25 is outside 0–23 in "0 25 \* \* \*"/);
  });

  test('fails on an invalid Kubernetes name and an invalid image name', () => {
    const error = () =>
      Platform.fromDefinition(
        definition((d) => {
          d.services[0]!.name = 'TTS_Service';
          d.services[1]!.imageName = 'Agent';
        }),
      );
    expect(error).toThrow(/\[services\[0\]\.name\] "TTS_Service" must be lowercase/);
    expect(error).toThrow(/\[services\[1\]\.imageName\] "Agent" is not a valid image name/);
  });

  test('fails on a duplicate service and on a call to an unknown service', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          d.services[1]!.name = 'tts';
        }),
      ),
    ).toThrow(/\[services\[1\]\.name\] duplicate service "tts" \(also services\[0\]\)/);
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          d.services[1]!.calls = ['ttx'];
        }),
      ),
    ).toThrow(/\[services\[1\]\.calls\[0\]\] unknown service "ttx"; known: agent, tts/);
  });

  test('fails on environment resources for an unknown service, a bad quantity, or a kind node image not pinned by digest', () => {
    const error = () =>
      Platform.fromDefinition(
        definition((d) => {
          (d.environments[1] as any).resources = {
            asr: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' },
            tts: { cpuRequest: 'one', memoryRequest: '1Gi', memoryLimit: '2Gi' },
          };
          (d.toolchain as any).kindNodeDigest = 'latest';
        }),
      );
    expect(error).toThrow(/\[environments\[1\]\.resources\.asr\] is not a service of the model \(tts, agent\)/);
    expect(error).toThrow(/\[environments\[1\]\.resources\.tts\.cpuRequest\]/);
    expect(error).toThrow(
      /\[toolchain\.kindNodeDigest\] "latest" must be sha256:<64 hex digits>, the digest of kindest\/node:v1\.32\.11/,
    );
  });

  test('fails on a deploy that cannot work: rollout not ending at 100 %, stages out of order, unknown services, shared GitHub environments', () => {
    const bad = () =>
      Platform.fromDefinition(
        definition((d) => {
          const production = d.environments[1]!.deploy as any;
          production.rollout = [
            { percent: 50, watchMinutes: 10 },
            { percent: 20, watchMinutes: 0 },
          ];
          production.urls = { speech: 'https://x.example' };
          production.gateway.services = ['frontdoor'];
          production.clusterAuth = { kind: 'aws-oidc', region: 'Ireland', cluster: 'voice' };
          (d.environments[0]!.deploy as any).githubEnvironment = 'production';
        }),
      );
    expect(bad).toThrow(
      /\[environments\[1\]\.deploy\.rollout\[1\]\.percent\] must be an integer above the previous stage's 50 and at most 100, got 20/,
    );
    expect(bad).toThrow(
      /\[environments\[1\]\.deploy\.rollout\[1\]\.watchMinutes\] must be an integer from 1 to 120, got 0/,
    );
    expect(bad).toThrow(
      /\[environments\[1\]\.deploy\.rollout\[1\]\.percent\] the last stage promotes the release to 100 %, got 20/,
    );
    expect(bad).toThrow(/\[environments\[1\]\.deploy\.urls\.speech\] is not a service of the model/);
    expect(bad).toThrow(/\[environments\[1\]\.deploy\.gateway\.services\[0\]\] unknown service "frontdoor"/);
    expect(bad).toThrow(/\[environments\[1\]\.deploy\.clusterAuth\.region\] "Ireland" is not an AWS region/);
    expect(bad).toThrow(
      /\[environments\[1\]\.deploy\.githubEnvironment\] "production" is already the GitHub environment of staging/,
    );
  });

  test('a deploy resolves its defaults: the GitHub environment, 10/50/100 % stages, the role variable, a 1 % error limit', () => {
    const p = Platform.fromDefinition(
      definition((d) => {
        delete (d.environments[1]!.deploy as any).githubEnvironment;
      }),
    );
    const production = p.deployments.find((x) => x.environment === 'production')!;
    expect(production).toMatchObject({
      githubEnvironment: 'production',
      maxErrorRatePct: 1,
      clusterAuth: { roleArnVariable: 'DEPLOY_ROLE_ARN' },
    });
    expect(production.rollout.map((r) => r.percent)).toEqual([10, 50, 100]);
    expect(p.appRelease).toMatchObject({ tagPrefix: 'app-v', feedBranch: 'appcast', phasedRolloutIntervalHours: 24 });
  });

  test('fails on an app release with an insecure feed or a tag glob without a prefix', () => {
    expect(() =>
      Platform.fromDefinition(
        definition((d) => {
          (d.app as any).release = { ...d.app.release, feedUrl: 'http://x.example/appcast.xml', tags: 'app-v' };
        }),
      ),
    ).toThrow(
      /\[app\.release\.tags\] "app-v" must be a tag prefix ending in \*[\s\S]*\[app\.release\.feedUrl\] "http:\/\/x\.example\/appcast\.xml" must be https/,
    );
  });

  test('reports every problem in one message', () => {
    const bad = definition((d) => {
      d.services[0]!.port = 80;
      d.services[0]!.healthPath = 'health';
      d.dependencyUpdates.cooldownDays = 1;
    });
    expect(() => Platform.fromDefinition(bad)).toThrow(/Invalid platform definition \(3\)/);
  });

  test('an unknown service lookup lists the known services', () => {
    expect(() => Platform.fromDefinition(TEST_PLATFORM).service('ttx')).toThrow(
      'Unknown service "ttx"; the platform defines: agent, tts',
    );
  });
});

describe('cronProblem (GitHub dialect)', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 9 * * 1', '0 0 1,15 JAN-MAR MON-FRI', '30 4 * * 0'])(
    'accepts %s',
    (cron) => {
      expect(cronProblem(cron)).toBeUndefined();
    },
  );
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
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        (m, h) => cronProblem(`${m} ${h} * * *`) === undefined,
      ),
    );
  });

  test('rejects every out-of-range minute (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 10_000 }), (m) => /outside 0–59/.test(cronProblem(`${m} * * * *`) ?? '')),
    );
  });
});
