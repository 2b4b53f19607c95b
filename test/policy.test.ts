import * as path from 'node:path';
import {
  ActionPins,
  checkoutCredentialsRule,
  concurrencyRule,
  dangerousTriggersRule,
  defaultRules,
  dependabotRule,
  imagesRule,
  noEmulationRule,
  permissionsRule,
  pinnedActionsRule,
  releaseCacheRule,
  runPolicy,
  scriptInstallRule,
  secretsRule,
  templateInjectionRule,
  pullRequestPrivilegeRule,
  timeoutRule,
  literalEnvRule,
  multilineExpressionRule,
  ifExpressionRule,
  untrustedRunnerFileRule,
  type PolicyRule,
  type WorkflowData,
  type WorkflowTarget,
  GITHUB_LIMITS,
  githubLimitsRule,
  matrixJobCount,
} from '../src';
import { buildPipelines } from '../workflows-gen';

const pins = ActionPins.fromFile(path.join(__dirname, '..', 'actions.lock.json'));
const CHECKOUT = pins.resolve('actions/checkout').uses;

/** A minimal workflow that passes every rule; each test breaks one thing. */
function goodWorkflow(): Record<string, any> {
  return {
    name: 'x',
    on: { push: { branches: ['main'] }, pull_request: {} },
    permissions: {},
    concurrency: { group: 'g', 'cancel-in-progress': true },
    jobs: {
      build: {
        'runs-on': 'ubuntu-24.04',
        permissions: { contents: 'read' },
        'timeout-minutes': 10,
        steps: [
          { name: 'Check out', uses: CHECKOUT, with: { 'persist-credentials': false } },
          { name: 'Build', run: 'npm ci\n' },
        ],
      },
    },
  };
}

function target(data: Record<string, any>): WorkflowTarget {
  return {
    kind: 'workflow',
    filePath: '.github/workflows/x.yml',
    constructPath: 'x',
    data: data as WorkflowData,
    jobPaths: { build: 'x/build' },
  };
}

function check(rule: PolicyRule, mutate: (w: Record<string, any>) => void): string[] {
  const w = goodWorkflow();
  mutate(w);
  return runPolicy([target(w)], [rule]).map((f) => `[${f.location}] ${f.code}: ${f.message}`);
}

const step = (w: Record<string, any>, i: number) => w.jobs.build.steps[i];

describe('policy rules', () => {
  test('the baseline workflow passes every rule', () => {
    expect(runPolicy([target(goodWorkflow())], defaultRules({ pins, requiredEcosystems: [] }))).toEqual([]);
  });

  test('the generated files pass every rule (synthesis would throw otherwise)', () => {
    expect(() => buildPipelines().synth()).not.toThrow();
  });

  describe('pinned-actions', () => {
    const rule = pinnedActionsRule(pins);
    test('fails a tag ref', () => {
      expect(
        check(rule, (w) => {
          step(w, 0).uses = 'actions/checkout@v4';
        }),
      ).toEqual([
        expect.stringMatching(
          /^\[x\/build\] pipelines:pinned-actions: steps\[0\] \("Check out"\): "actions\/checkout@v4" is not pinned to a full commit SHA/,
        ),
      ]);
    });
    test('fails a SHA the lock does not list', () => {
      expect(
        check(rule, (w) => {
          step(w, 0).uses = `actions/checkout@${'a'.repeat(40)}`;
        })[0],
      ).toMatch(/does not list for actions\/checkout/);
    });
    test('fails a reusable workflow by branch, accepts the SLSA generator by tag', () => {
      expect(
        check(rule, (w) => {
          w.jobs.call = { uses: 'org/repo/.github/workflows/x.yml@main' };
        })[0],
      ).toMatch(/reusable workflow "org\/repo/);
      expect(
        check(rule, (w) => {
          w.jobs.call = {
            uses: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0',
          };
        }),
      ).toEqual([]);
    });
  });

  test('pinned-installs fails curl | sh, npm install and unhashed pip install', () => {
    expect(
      check(scriptInstallRule, (w) => {
        step(w, 1).run = 'curl -sSL https://x.sh | bash\n';
      })[0],
    ).toMatch(/pipes a download into a shell/);
    expect(
      check(scriptInstallRule, (w) => {
        step(w, 1).run = 'npm install\n';
      })[0],
    ).toMatch(/npm ci/);
    expect(
      check(scriptInstallRule, (w) => {
        step(w, 1).run = 'pip install requests\n';
      })[0],
    ).toMatch(/--require-hashes/);
    expect(
      check(scriptInstallRule, (w) => {
        step(w, 1).run = 'pip install --require-hashes -r requirements.txt\n';
      }),
    ).toEqual([]);
  });

  test('no-cache-in-release fails caches in a tag-triggered workflow only', () => {
    const withCache = (w: Record<string, any>) => {
      w.jobs.build.steps.push({ uses: `${pins.resolve('astral-sh/setup-uv').uses}`, with: { 'enable-cache': true } });
    };
    expect(check(releaseCacheRule, withCache)).toEqual([]);
    const findings = check(releaseCacheRule, (w) => {
      withCache(w);
      w.on = { push: { tags: ['v*'] } };
    });
    expect(findings).toEqual([
      expect.stringMatching(/lets setup-uv cache .* runs on tags or releases \(cache poisoning\)/),
    ]);
  });

  describe('least-privilege', () => {
    test('fails workflow-level grants', () => {
      expect(
        check(permissionsRule, (w) => {
          w.permissions = 'read-all';
        })[0],
      ).toMatch(/^\[x\] .*workflow permissions must be \{\}/);
    });
    test('fails a job without explicit permissions', () => {
      expect(
        check(permissionsRule, (w) => {
          delete w.jobs.build.permissions;
        })[0],
      ).toMatch(/^\[x\/build\] .*explicit map/);
    });
    test('fails packages: write on a job that does not push', () => {
      expect(
        check(permissionsRule, (w) => {
          w.jobs.build.permissions.packages = 'write';
        })[0],
      ).toMatch(/packages: write, which belongs only to a job that pushes to GHCR/);
    });
    test('fails id-token: write without a signing step', () => {
      expect(
        check(permissionsRule, (w) => {
          w.jobs.build.permissions['id-token'] = 'write';
        })[0],
      ).toMatch(/id-token: write/);
    });
  });

  test('checkout-credentials fails a checkout that keeps the token', () => {
    expect(
      check(checkoutCredentialsRule, (w) => {
        delete step(w, 0).with;
      })[0],
    ).toMatch(/persist-credentials: false/);
    expect(
      check(checkoutCredentialsRule, (w) => {
        step(w, 0).with['persist-credentials'] = true;
        w.jobs.build.permissions.contents = 'write';
      }),
    ).toEqual([]);
  });

  test('scoped-secrets fails inherit, toJSON(secrets) and job-level secrets', () => {
    expect(
      check(secretsRule, (w) => {
        w.jobs.call = { uses: './.github/workflows/y.yml', secrets: 'inherit' };
      })[0],
    ).toMatch(/secrets: inherit/);
    expect(
      check(secretsRule, (w) => {
        step(w, 1).env = { ALL: '${{ toJSON(secrets) }}' };
      })[0],
    ).toMatch(/toJSON\(secrets\)/);
    expect(
      check(secretsRule, (w) => {
        w.jobs.build.env = { TOKEN: '${{ secrets.TOKEN }}' };
      })[0],
    ).toMatch(/job-level env reads secrets/);
  });

  // Defect the job runner found: notarization built its app path in an env value from $RUNNER_TEMP.
  test('literal-env fails a shell reference in an env value, accepts ${{ }}', () => {
    expect(
      check(literalEnvRule, (w) => {
        step(w, 1).env = { APP: '$RUNNER_TEMP/VoiceTranscriber.app' };
      }),
    ).toEqual([
      expect.stringMatching(
        /^\[x\/build\] pipelines:literal-env: steps\[1\] \("Build"\): env\.APP holds \$RUNNER_TEMP, which GitHub passes literally/,
      ),
    ]);
    expect(
      check(literalEnvRule, (w) => {
        w.jobs.build.env = { DIR: '${HOME}/x' };
      })[0],
    ).toMatch(/job env\.DIR holds \$\{HOME\}/);
    expect(
      check(literalEnvRule, (w) => {
        step(w, 1).env = { REF: '${{ github.ref }}', PRICE: '5$', PATTERN: '^v[0-9]+$' };
      }),
    ).toEqual([]);
  });

  // Defect the job runner found: ci-release's dispatch step joined `service=digest` lines in a block, and
  // GitHub's parser kept the block's indentation in each line, so the deploy read services named "   agent".
  test('multiline-expression fails an env or with value that spans lines and holds an expression', () => {
    expect(
      check(multilineExpressionRule, (w) => {
        step(w, 1).env = { DIGESTS: 'tts=${{ needs.a.outputs.tts }}\nagent=${{ needs.a.outputs.agent }}' };
      }),
    ).toEqual([
      expect.stringMatching(
        /^\[x\/build\] pipelines:multiline-expression: steps\[1\] \("Build"\): env\.DIGESTS spans lines and holds an expression/,
      ),
    ]);
    expect(
      check(multilineExpressionRule, (w) => {
        w.jobs.build.env = { A: '${{ github.ref }}\n', B: 'line one\nline two', C: 'tts=${{ x }} agent=${{ y }}' };
      }),
    ).toEqual([]);
  });

  // Guards a past defect: both synthesized before these rules.
  test('no-untrusted-runner-files fails pull-request text written to GITHUB_ENV, GITHUB_PATH or GITHUB_OUTPUT', () => {
    expect(
      check(untrustedRunnerFileRule, (w) => {
        step(w, 1).env = { TITLE: '${{ github.event.pull_request.title }}' };
        step(w, 1).run = 'echo "TITLE=$TITLE" >> "$GITHUB_ENV"\n';
      }),
    ).toEqual([
      expect.stringMatching(
        /^\[x\/build\] pipelines:no-untrusted-runner-files: steps\[1\] \("Build"\): env\.TITLE carries github\.event\.pull_request\.title, attacker-controlled text, into a script that writes \$GITHUB_ENV/,
      ),
    ]);
    expect(
      check(untrustedRunnerFileRule, (w) => {
        step(w, 1).env = { BRANCH: '${{ github.head_ref }}' };
        step(w, 1).run = 'echo "branch=$BRANCH" >> "${GITHUB_OUTPUT}"\n';
      })[0],
    ).toMatch(/github\.head_ref/);
    // Trusted values, or untrusted ones the script does not write to a runner file, pass.
    expect(
      check(untrustedRunnerFileRule, (w) => {
        step(w, 1).env = { SHA: '${{ github.sha }}' };
        step(w, 1).run = 'echo "sha=$SHA" >> "$GITHUB_OUTPUT"\n';
      }),
    ).toEqual([]);
    expect(
      check(untrustedRunnerFileRule, (w) => {
        step(w, 1).env = { TITLE: '${{ github.event.pull_request.title }}' };
        step(w, 1).run = 'printf "%s\\n" "$TITLE"\n';
      }),
    ).toEqual([]);
  });

  test('if-one-expression fails text beside ${{ }} in a job or step if:, accepts a bare or wholly wrapped expression', () => {
    expect(
      check(ifExpressionRule, (w) => {
        w.jobs.build.if = "${{ github.ref == 'refs/heads/main' }} && github.event_name == 'push'";
      }),
    ).toEqual([
      expect.stringMatching(
        /^\[x\/build\] pipelines:if-one-expression: if: \$\{\{ github\.ref == 'refs\/heads\/main' \}\} && .* always true/,
      ),
    ]);
    expect(
      check(ifExpressionRule, (w) => {
        step(w, 1).if = '${{ success() }} ';
      }),
    ).toEqual([]);
    expect(
      check(ifExpressionRule, (w) => {
        step(w, 1).if = "main' || true || '${{ github.ref }}";
      })[0],
    ).toMatch(/steps\[1\] \("Build"\): if: /);
    expect(
      check(ifExpressionRule, (w) => {
        w.jobs.build.if = "github.ref == 'refs/heads/main'";
        step(w, 1).if = '${{ always() }}';
      }),
    ).toEqual([]);
  });

  test('no-template-injection fails ${{ }} in run: and in github-script', () => {
    expect(
      check(templateInjectionRule, (w) => {
        step(w, 1).run = 'echo "${{ github.event.pull_request.title }}"\n';
      }),
    ).toEqual([
      expect.stringMatching(
        /^\[x\/build\] pipelines:no-template-injection: steps\[1\] \("Build"\): script interpolates \$\{\{ github\.event\.pull_request\.title \}\}/,
      ),
    ]);
    expect(
      check(templateInjectionRule, (w) => {
        w.jobs.build.steps.push({
          uses: 'actions/github-script@x',
          with: { script: 'core.info("${{ github.head_ref }}")' },
        });
      })[0],
    ).toMatch(/head_ref/);
  });

  // Defect: the rule's pattern stopped at the first "}", so an expression holding one passed.
  test.each([
    ["${{ format('{0}', github.event.pull_request.title) }}"],
    ["${{ format('}}', github.head_ref) }}"],
    ['${{ github.event.issue.body'],
    ['a ${{ 1 }} b ${{ github.event.pull_request.title }}'],
  ])('no-template-injection cannot be bypassed: %s', (script) => {
    const findings = check(templateInjectionRule, (w) => {
      step(w, 1).run = `echo "${script}"\n`;
    });
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.join('\n')).toMatch(/github\.(event|head_ref)/);
  });

  test.each(['contents', 'actions', 'pull-requests'])(
    'pull-request-privilege fails %s: write on a job of a pull_request workflow',
    (scope) => {
      expect(
        check(pullRequestPrivilegeRule, (w) => {
          w.jobs.build.permissions[scope] = 'write';
        }),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\[x/build\\] pipelines:pull-request-privilege: grants ${scope}: write in a workflow that runs pull-request code`,
          ),
        ),
      ]);
    },
  );

  test('no-cache-in-release accepts a cache guarded off tags, and follows a call into a local workflow', () => {
    const cacheStep = {
      name: 'Build',
      uses: pins.resolve('docker/build-push-action').uses,
      with: { 'cache-from': 'type=gha,scope=x' },
    };
    const tagged = (w: Record<string, any>) => {
      w.on = { push: { tags: ['v*'] } };
    };
    expect(
      check(releaseCacheRule, (w) => {
        tagged(w);
        w.jobs.build.steps.push({ ...cacheStep, if: "github.ref_type != 'tag'" });
      }),
    ).toEqual([]);
    expect(
      check(releaseCacheRule, (w) => {
        tagged(w);
        w.jobs.build.if = "(github.event_name == 'pull_request') && (x)";
        w.jobs.build.steps.push(cacheStep);
      }),
    ).toEqual([]);
    // A guard inside a disjunction guards nothing.
    expect(
      check(releaseCacheRule, (w) => {
        tagged(w);
        w.jobs.build.steps.push({ ...cacheStep, if: "github.ref_type != 'tag' || always()" });
      }),
    ).toHaveLength(1);
    const called = {
      jobs: { scan: { steps: [{ name: 'Trivy', uses: pins.resolve('aquasecurity/trivy-action').uses, with: {} }] } },
    } as WorkflowData;
    const caller = goodWorkflow();
    tagged(caller);
    caller.jobs.build = { uses: './.github/workflows/scan.yml', permissions: {} };
    const findings = runPolicy(
      [{ ...target(caller), calledWorkflows: { './.github/workflows/scan.yml': called } }],
      [releaseCacheRule],
    ).map((f) => `[${f.location}] ${f.message}`);
    expect(findings).toEqual([
      expect.stringMatching(
        /^\[x\/build → \.\/\.github\/workflows\/scan\.yml#jobs\.scan\] steps\[0\] \("Trivy"\) lets trivy-action cache/,
      ),
    ]);
  });

  test('no-emulation fails QEMU and binfmt set-ups', () => {
    expect(
      check(noEmulationRule, (w) => {
        w.jobs.build.steps.push({ name: 'QEMU', uses: pins.resolve('docker/setup-qemu-action').uses });
      })[0],
    ).toMatch(/sets up QEMU/);
    expect(
      check(noEmulationRule, (w) => {
        w.jobs.build.steps.push({
          name: 'binfmt',
          run: 'docker run --privileged --rm tonistiigi/binfmt --install arm64\n',
        });
      })[0],
    ).toMatch(/binfmt\/QEMU emulators/);
    expect(check(noEmulationRule, () => undefined)).toEqual([]);
  });

  test("least-privilege counts what a called local workflow uses toward the caller's grant", () => {
    const caller = goodWorkflow();
    caller.jobs.build = {
      uses: './.github/workflows/sign.yml',
      permissions: { contents: 'read', 'id-token': 'write' },
    };
    const signing = {
      jobs: { sign: { steps: [{ uses: pins.resolve('sigstore/cosign-installer').uses }] } },
    } as WorkflowData;
    expect(runPolicy([target(caller)], [permissionsRule]).map((f) => f.message)).toEqual([
      expect.stringMatching(/grants id-token: write, which belongs only to a signing/),
    ]);
    expect(
      runPolicy(
        [{ ...target(caller), calledWorkflows: { './.github/workflows/sign.yml': signing } }],
        [permissionsRule],
      ),
    ).toEqual([]);
  });

  test('pull-request-privilege accepts a write scope on a job guarded off pull requests', () => {
    const write = (w: Record<string, any>) => {
      w.jobs.build.permissions.packages = 'write';
    };
    expect(check(pullRequestPrivilegeRule, write)[0]).toMatch(
      /grants packages: write in a workflow that runs pull-request code/,
    );
    expect(
      check(pullRequestPrivilegeRule, (w) => {
        write(w);
        w.jobs.build.if = "(github.event_name != 'pull_request') && (github.ref_type == 'tag')";
      }),
    ).toEqual([]);
    expect(
      check(pullRequestPrivilegeRule, (w) => {
        write(w);
        w.jobs.build.if = "(github.event_name != 'pull_request') || (x)";
      }),
    ).toHaveLength(1);
  });

  test('pull-request-privilege fails a self-hosted runner, and says nothing of a push-only workflow', () => {
    expect(
      check(pullRequestPrivilegeRule, (w) => {
        w.jobs.build['runs-on'] = ['self-hosted', 'linux'];
      })[0],
    ).toMatch(/self-hosted runner in a pull_request workflow/);
    expect(
      check(pullRequestPrivilegeRule, (w) => {
        delete w.on.pull_request;
        w.on.push = {};
        w.jobs.build.permissions.contents = 'write';
      }),
    ).toEqual([]);
  });

  test('no-dangerous-triggers fails pull_request_target and workflow_run', () => {
    expect(
      check(dangerousTriggersRule, (w) => {
        w.on.pull_request_target = {};
      })[0],
    ).toMatch(/pull_request_target/);
    expect(
      check(dangerousTriggersRule, (w) => {
        w.on.workflow_run = { workflows: ['x'] };
      })[0],
    ).toMatch(/workflow_call/);
  });

  test('job-timeout fails a job without timeout-minutes', () => {
    expect(
      check(timeoutRule, (w) => {
        delete w.jobs.build['timeout-minutes'];
      }),
    ).toEqual([expect.stringMatching(/^\[x\/build\] .*no timeout-minutes/)]);
  });

  test('pr-concurrency fails a pull_request workflow without cancel-in-progress', () => {
    expect(
      check(concurrencyRule, (w) => {
        delete w.concurrency;
      })[0],
    ).toMatch(/concurrency/);
    expect(
      check(concurrencyRule, (w) => {
        w.concurrency['cancel-in-progress'] = false;
      })[0],
    ).toMatch(/cancel-in-progress/);
  });

  test('pinned-images fails latest and untagged images', () => {
    expect(
      check(imagesRule, (w) => {
        w.jobs.build.services = { db: { image: 'postgres:latest' } };
      })[0],
    ).toMatch(/postgres:latest/);
    expect(
      check(imagesRule, (w) => {
        w.jobs.build.container = 'ghcr.io/org/builder';
      })[0],
    ).toMatch(/needs a tag/);
    expect(
      check(imagesRule, (w) => {
        w.jobs.build.container = { image: 'postgres:17.2' };
      }),
    ).toEqual([]);
  });

  describe('github-limits', () => {
    test('a matrix counts as GitHub expands it: product, exclude, include that extends or adds', () => {
      expect(matrixJobCount(undefined)).toBe(1);
      expect(matrixJobCount({ os: ['a', 'b'], node: [20, 22, 24] })).toBe(6);
      expect(matrixJobCount({ os: ['a', 'b'], node: [20, 22], exclude: [{ os: 'a', node: 20 }, { os: 'b' }] })).toBe(1);
      // The first include extends the os=a combinations (no new job); the second matches none and adds one.
      expect(matrixJobCount({ os: ['a', 'b'], include: [{ os: 'a', experimental: true }, { os: 'c' }] })).toBe(3);
      expect(matrixJobCount({ include: [{ service: 'tts' }, { service: 'agent' }] })).toBe(2);
      expect(matrixJobCount('${{ fromJSON(needs.plan.outputs.matrix) }}')).toBeUndefined();
      expect(matrixJobCount({ service: '${{ fromJSON(x) }}' })).toBeUndefined();
    });

    test('fails a matrix and a run past 256 jobs, naming the workflow, the job and the limit', () => {
      const findings = check(githubLimitsRule(), (w) => {
        w.jobs.build.strategy = { matrix: { a: [...Array(16).keys()], b: [...Array(17).keys()] } };
      });
      expect(findings).toEqual([
        expect.stringMatching(
          /^\[x\/build\] pipelines:github-limits: \.github\/workflows\/x\.yml: the matrix of job build: 272 jobs, over GitHub's limit of 256 jobs/,
        ),
        expect.stringMatching(
          /^\[x\] pipelines:github-limits: \.github\/workflows\/x\.yml: jobs in one run: 272 jobs, over GitHub's limit of 256 jobs/,
        ),
      ]);
      expect(
        check(githubLimitsRule(), (w) => {
          w.jobs.build.strategy = { matrix: { a: [...Array(16).keys()], b: [...Array(16).keys()] } };
        }),
      ).toEqual([]);
    });

    test('counts the jobs of called workflows, and their calls, toward the run', () => {
      const many = (n: number, prefix: string) =>
        Object.fromEntries([...Array(n).keys()].map((i) => [`${prefix}${i}`, { 'runs-on': 'ubuntu-24.04' }]));
      const caller = goodWorkflow();
      caller.jobs = {
        ...many(100, 'own'),
        callA: { uses: './.github/workflows/a.yml' },
        callB: { uses: './.github/workflows/b.yml', strategy: { matrix: { arch: ['amd64', 'arm64'] } } },
      };
      const called = {
        './.github/workflows/a.yml': {
          jobs: { ...many(50, 'a'), nested: { uses: './.github/workflows/b.yml' } },
        } as WorkflowData,
        './.github/workflows/b.yml': { jobs: many(40, 'b') } as WorkflowData,
      };
      // 100 own + (50 + 40) through a.yml + 2 × 40 through b.yml = 270.
      const messages = runPolicy([{ ...target(caller), calledWorkflows: called }], [githubLimitsRule()]).map(
        (f) => f.message,
      );
      expect(messages).toEqual([
        expect.stringMatching(
          /^\.github\/workflows\/x\.yml: jobs in one run: 270 jobs, over GitHub's limit of 256 jobs/,
        ),
      ]);
    });

    test("another repository's reusable workflow starts the jobs its pin declares", () => {
      const generatorPins = ActionPins.fromJson({
        actions: {
          'org/gen': {
            version: 'v2.1.0',
            sha: 'a'.repeat(40),
            byTag: true,
            workflowJobs: { '.github/workflows/gen.yml': 3 },
          },
        },
      });
      const caller = goodWorkflow();
      caller.jobs = Object.fromEntries(
        [...Array(86).keys()].map((i) => [`gen${i}`, { uses: 'org/gen/.github/workflows/gen.yml@v2.1.0' }]),
      );
      // 86 calls of 3 jobs: 258. Without the declaration each call is one job (a lower bound): 86.
      expect(runPolicy([target(caller)], [githubLimitsRule(generatorPins)]).map((f) => f.message)).toEqual([
        expect.stringMatching(/jobs in one run: 258 jobs, over GitHub's limit of 256 jobs/),
      ]);
      expect(runPolicy([target(caller)], [githubLimitsRule()])).toEqual([]);
      expect(generatorPins.jobsOfWorkflow('org/gen/.github/workflows/other.yml@v2.1.0')).toBeUndefined();
      expect(() =>
        ActionPins.fromJson({
          actions: { 'org/gen': { version: 'v2.1.0', sha: 'a'.repeat(40), workflowJobs: { 'gen.yml': 0 } } },
        }),
      ).toThrow(
        'action lock: actions["org/gen"].workflowJobs must map .github/workflows/<file>.yml paths to positive integers, got {"gen.yml":0}',
      );
    });

    test('fails more than ten levels of workflows and more than 50 unique reusable workflows', () => {
      const chain: Record<string, WorkflowData> = {};
      for (let i = 1; i <= 10; i++) {
        chain[`./.github/workflows/l${i}.yml`] = {
          jobs:
            i < 10 ? { next: { uses: `./.github/workflows/l${i + 1}.yml` } } : { leaf: { 'runs-on': 'ubuntu-24.04' } },
        } as WorkflowData;
      }
      const deep = goodWorkflow();
      deep.jobs = { start: { uses: './.github/workflows/l1.yml' } };
      expect(
        runPolicy([{ ...target(deep), calledWorkflows: chain }], [githubLimitsRule()]).map((f) => f.message),
      ).toEqual([expect.stringMatching(/levels of workflows: 11 levels, over GitHub's limit of 10 levels/)]);
      const wide = goodWorkflow();
      wide.jobs = Object.fromEntries(
        [...Array(GITHUB_LIMITS.uniqueReusableWorkflows.max + 1).keys()].map((i) => [
          `call${i}`,
          { uses: `org/repo/.github/workflows/w${i}.yml@${'a'.repeat(40)}` },
        ]),
      );
      expect(runPolicy([target(wide)], [githubLimitsRule()]).map((f) => f.message)).toEqual([
        expect.stringMatching(/unique reusable workflows called: 51 reusable workflows, over GitHub's limit of 50/),
      ]);
    });

    test('fails a file past 500,000 bytes', () => {
      expect(
        runPolicy([{ ...target(goodWorkflow()), bytes: 500_001 }], [githubLimitsRule()]).map((f) => f.message),
      ).toEqual([
        expect.stringMatching(
          /^\.github\/workflows\/x\.yml: file size: 500001 bytes, over GitHub's limit of 500000 bytes \(a larger workflow file starts no runs\)/,
        ),
      ]);
      expect(runPolicy([{ ...target(goodWorkflow()), bytes: 500_000 }], [githubLimitsRule()])).toEqual([]);
    });
  });

  describe('dependabot', () => {
    const rule = dependabotRule(['npm', 'docker']);
    const entry = (over: Record<string, unknown> = {}) => ({
      'package-ecosystem': 'npm',
      directory: '/',
      cooldown: { 'default-days': 5 },
      groups: { all: { patterns: ['*'] } },
      ...over,
    });
    const run = (updates: Record<string, unknown>[]) =>
      runPolicy(
        [
          {
            kind: 'dependabot',
            filePath: '.github/dependabot.yml',
            constructPath: 'dependabot',
            data: { version: 2, updates },
          },
        ],
        [rule],
      ).map((f) => f.message);

    test('fails a missing ecosystem, a short cooldown, no groups and external code execution', () => {
      const messages = run([
        entry({ cooldown: { 'default-days': 1 }, groups: undefined, 'insecure-external-code-execution': 'allow' }),
      ]);
      expect(messages).toEqual([
        'no update entry for the "docker" ecosystem',
        'cooldown.default-days must be an integer from 3 to 90 days, got 1',
        'updates must be grouped (groups:)',
        'insecure-external-code-execution: allow runs dependency code with Dependabot credentials',
      ]);
    });
    test('passes a complete configuration', () => {
      expect(run([entry(), entry({ 'package-ecosystem': 'docker' })])).toEqual([]);
    });
  });
});
