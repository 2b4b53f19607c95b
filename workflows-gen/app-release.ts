import {
  APP_HEALTH,
  APP_HEALTH_SETTINGS,
  APP_RELEASE_SECRETS,
  APPLE_TEAM_VARIABLE,
  BRANCH_PUSH_ATTEMPTS,
  APPCAST_ADD,
  APPCAST_EVERYONE,
  APPCAST_PHASE,
  APPCAST_WITHDRAW,
  checkout,
  cliStep,
  downloadArtifact,
  Expression,
  github,
  notarizeStep,
  npmInstallSteps,
  releaseNotesStep,
  runnerVariables,
  runStep,
  stepOutput,
  SecureWorkflow,
  secret,
  stepOutcome,
  selectXcode,
  temporaryKeychainSteps,
  uploadArtifact,
  variable,
  type AppRelease,
  type CliContract,
  type CliStepProps,
  type Construct,
  type JobStep,
  type Platform,
  type WorkflowJob,
} from '../src';

/** Releases of the app run one at a time (a newer tag replaces a pending one); withdrawals stay outside it. */
const FEED_CONCURRENCY = { group: 'app-feed', cancelInProgress: false } as const;
const FEED_DIR = 'feed';
const FEED_FILE = `${FEED_DIR}/appcast.xml`;
const BOT = [
  '-c',
  'user.name=github-actions[bot]',
  '-c',
  'user.email=41898282+github-actions[bot]@users.noreply.github.com',
].join(' ');

/**
 * Checks out the feed branch without keeping the token in `.git/config`: the job runs dependency
 * code (`npm ci`, the appcast CLI), and only the publish steps authenticate.
 */
function feedCheckout(release: AppRelease): JobStep {
  return checkout({ ref: release.feedBranch, path: FEED_DIR, persistCredentials: false });
}

/** Attempts at publishing a feed change before a stage gives up (another writer moved the branch each time). */
const FEED_PUSH_ATTEMPTS = BRANCH_PUSH_ATTEMPTS;

/**
 * Edits the feed with an appcast CLI and publishes it, surviving another writer (a withdrawal, the
 * other stage's job): a push refused because the head moved fetches the new head, and the edit is
 * applied again there, up to {@link FEED_PUSH_ATTEMPTS} times, so neither writer loses its change.
 * The token reaches git in the publish steps only, through git's environment configuration (never
 * `.git/config` or a command line), and no dependency code runs in them: the edit steps, which run
 * the CLI, hold no write token. `message` may use `$VERSION`.
 */
function feedUpdateSteps<F extends string, S extends F>(
  release: AppRelease,
  cli: CliContract<F, S>,
  props: CliStepProps<F, S>,
  message: string,
): JobStep[] {
  const steps: JobStep[] = [];
  let refused: JobStep | undefined;
  for (let attempt = 1; attempt <= FEED_PUSH_ATTEMPTS; attempt++) {
    const last = attempt === FEED_PUSH_ATTEMPTS;
    const again = refused ? { if: stepOutcome(refused).eq('failure') } : {};
    const suffix = attempt === 1 ? '' : ` (attempt ${attempt}: the branch moved)`;
    steps.push(
      cliStep(cli, {
        ...props,
        ...again,
        name: `${props.name}${suffix}`,
        env: { ...props.env, FEED_CHECKOUT: FEED_DIR },
        after: [
          'git -C "$FEED_CHECKOUT" add appcast.xml',
          `git -C "$FEED_CHECKOUT" ${BOT} commit --quiet -m "${message}"`,
        ].join('\n'),
      }),
    );
    const publish = runStep({
      name: `Publish the feed${suffix}`,
      id: `publish-feed-${attempt}`,
      ...again,
      ...(last ? {} : { continueOnError: true }),
      env: { FEED_CHECKOUT: FEED_DIR, FEED_BRANCH: release.feedBranch, FEED_TOKEN: github.token },
      run: [
        'basic="$(printf \'x-access-token:%s\' "$FEED_TOKEN" | base64 -w0)"',
        'echo "::add-mask::$basic"',
        'export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.$GITHUB_SERVER_URL/.extraheader" GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $basic"',
        'if git -C "$FEED_CHECKOUT" push origin "HEAD:refs/heads/$FEED_BRANCH"; then exit 0; fi',
        last
          ? `echo "::error::$FEED_BRANCH kept moving (${FEED_PUSH_ATTEMPTS} attempts); the feed was not published"`
          : [
              '# The next steps apply the edit again on the new head.',
              'git -C "$FEED_CHECKOUT" fetch --quiet --depth 1 origin "$FEED_BRANCH"',
              'git -C "$FEED_CHECKOUT" reset --quiet --hard FETCH_HEAD',
              `echo "::warning::$FEED_BRANCH moved while this job changed it (attempt ${attempt} of ${FEED_PUSH_ATTEMPTS}); applying the change again on its new head"`,
            ].join('\n'),
        'exit 1',
      ].join('\n'),
    });
    steps.push(publish);
    refused = publish;
  }
  return steps;
}

/**
 * `.github/workflows/app-release.yml`: for an app tag (`app-v1.4.0`), a Developer ID build on macOS
 * (certificate in a temporary keychain deleted in an `always()` step; secrets only in the steps
 * that need them), notarized and stapled; then the beta channel (a GitHub pre-release and a Sparkle
 * appcast item on the `beta` channel), Sparkle's phased rollout to everyone, and everyone at once,
 * each step behind its protected GitHub environment. No cache anywhere: a release build starts clean.
 */
export function appReleaseWorkflow(
  scope: Construct,
  platform: Platform,
  performance: SecureWorkflow,
): SecureWorkflow | undefined {
  const release = platform.appRelease;
  if (!release) return undefined;
  const app = platform.app;
  const workflow = new SecureWorkflow(scope, 'app-release', {
    name: 'Release the app',
    description: `For ${release.tags} tags: a Developer ID build of the app, notarized and stapled, published to the Sparkle beta channel, then a phased rollout and everyone, each behind a protected environment.`,
    triggers: { push: { tags: [release.tags] } },
    concurrency: FEED_CONCURRENCY,
  });
  const archive = `${app.scheme}.zip`;
  const exportDir = '"$RUNNER_TEMP/export"';
  const keychain = temporaryKeychainSteps({
    p12Base64: APP_RELEASE_SECRETS.certificateP12,
    p12Password: APP_RELEASE_SECRETS.certificatePassword,
  });
  const teamId = variable(APPLE_TEAM_VARIABLE);

  const versionStep = runStep({
    name: 'Version from the tag',
    id: 'version',
    outputs: ['short-version', 'build'],
    env: { TAG: github.refName, TAG_PREFIX: release.tagPrefix },
    run: [
      'short="${TAG#"$TAG_PREFIX"}"',
      '[[ "$short" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+$ ]] || { echo "::error::tag $TAG must be ${TAG_PREFIX}X.Y.Z"; exit 1; }',
      '# CFBundleVersion (what Sparkle compares) grows with every release run.',
      '{ echo "short-version=$short"; echo "build=$GITHUB_RUN_NUMBER"; } >> "$GITHUB_OUTPUT"',
    ].join('\n'),
  });
  const build = workflow.addJob('build', {
    name: 'Build, sign and notarize',
    runsOn: platform.runners.macos,
    permissions: { contents: 'read' },
    timeoutMinutes: 60,
    steps: [
      checkout(),
      selectXcode({ version: app.xcode }),
      versionStep,
      keychain.create,
      runStep({
        name: 'Archive with the Developer ID identity',
        env: {
          PROJECT: app.project,
          SCHEME: app.scheme,
          TEAM_ID: teamId,
          SHORT_VERSION: stepOutput(versionStep, 'short-version'),
          BUILD: stepOutput(versionStep, 'build'),
        },
        run: [
          `flag="-project"; [[ "$PROJECT" != *.xcworkspace ]] || flag="-workspace"`,
          'xcodebuild archive "$flag" "$PROJECT" -scheme "$SCHEME" -configuration Release -archivePath "$RUNNER_TEMP/app.xcarchive" \\',
          '  MARKETING_VERSION="$SHORT_VERSION" CURRENT_PROJECT_VERSION="$BUILD" DEVELOPMENT_TEAM="$TEAM_ID" \\',
          '  CODE_SIGN_STYLE=Manual CODE_SIGN_IDENTITY="Developer ID Application" ENABLE_HARDENED_RUNTIME=YES \\',
          '  OTHER_CODE_SIGN_FLAGS="--keychain $RUNNER_TEMP/signing.keychain-db --timestamp"',
          'plutil -create xml1 "$RUNNER_TEMP/export.plist"',
          'plutil -insert method -string developer-id "$RUNNER_TEMP/export.plist"',
          'plutil -insert signingStyle -string manual "$RUNNER_TEMP/export.plist"',
          'plutil -insert teamID -string "$TEAM_ID" "$RUNNER_TEMP/export.plist"',
          `xcodebuild -exportArchive -archivePath "$RUNNER_TEMP/app.xcarchive" -exportOptionsPlist "$RUNNER_TEMP/export.plist" -exportPath ${exportDir}`,
        ].join('\n'),
      }),
      notarizeStep(
        { appleId: APP_RELEASE_SECRETS.notaryAppleId, password: APP_RELEASE_SECRETS.notaryPassword, teamId },
        { appInRunnerTemp: `export/${release.productName}`, archive },
      ),
      uploadArtifact({ name: 'app-release', path: [archive], ifNoFilesFound: 'error', retentionDays: 90 }),
      keychain.remove,
    ],
  });
  build.addOutput('short-version', stepOutput(versionStep, 'short-version'));
  build.addOutput('build', stepOutput(versionStep, 'build'));
  const version = { VERSION: build.output('build'), SHORT_VERSION: build.output('short-version'), TAG: github.refName };
  const feedJob = (id: string, name: string, environment: string, needs: WorkflowJob[], steps: JobStep[]) =>
    workflow.addJob(id, {
      name,
      runsOn: platform.runners.linux,
      environment,
      needs,
      permissions: { contents: 'write' },
      timeoutMinutes: 15,
      steps: [
        ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
        feedCheckout(release),
        ...steps,
      ],
    });

  // In the workspace, beside the archive and outside the feed's checkout (FEED_DIR).
  const notes = 'release-notes.md';
  // The tag's code on the nightly gate before anyone gets it: a regression against the recorded
  // nightly runs (latency, accuracy, memory) stops the release before the beta. Never recorded.
  const performanceGate = workflow.addCallJob('performance', {
    name: 'Performance of the tag against the nightly history',
    workflow: performance,
  });
  const beta = feedJob(
    'beta',
    'Beta channel (GitHub pre-release, appcast channel "beta")',
    release.environments.beta,
    [build, performanceGate],
    [
      downloadArtifact({ name: 'app-release', path: '.' }),
      releaseNotesStep({
        tag: github.refName,
        tagPrefix: release.tagPrefix,
        out: notes,
        env: { GH_TOKEN: github.token },
      }),
      runStep({
        name: 'GitHub pre-release with the notarized build',
        env: { ...version, ARCHIVE: archive, NOTES: notes, GH_TOKEN: github.token },
        run: 'gh release create "$TAG" "$ARCHIVE" --verify-tag --prerelease --title "$SHORT_VERSION ($VERSION)" --notes-file "$NOTES"',
      }),
      ...feedUpdateSteps(
        release,
        APPCAST_ADD,
        {
          name: 'Add the build to the beta channel',
          env: { [APP_RELEASE_SECRETS.sparkleKey]: secret(APP_RELEASE_SECRETS.sparkleKey) },
          args: {
            feed: FEED_FILE,
            version: version.VERSION,
            shortVersion: version.SHORT_VERSION,
            archive,
            channel: 'beta',
            edKeyEnv: APP_RELEASE_SECRETS.sparkleKey,
            title: app.scheme,
            releaseNotes: notes,
            url: Expression.raw(
              `format('{0}/{1}/releases/download/{2}/{3}', github.server_url, github.repository, github.ref_name, ${Expression.literal(archive)})`,
            ),
          },
        },
        'beta: $VERSION',
      ),
    ],
  );

  // Before a stage widens the rollout: the build's crash-free sessions so far (the beta's, then the
  // phased groups'), from the app's health endpoint; without one configured, the summary says so.
  const healthCheck = (stage: string) =>
    cliStep(APP_HEALTH, {
      name: `Crash-free sessions of the build before ${stage}`,
      env: { [APP_HEALTH_SETTINGS.tokenSecret]: secret(APP_HEALTH_SETTINGS.tokenSecret) },
      args: {
        url: variable(APP_HEALTH_SETTINGS.urlVariable),
        version: version.VERSION,
        minCrashFreePct: release.health.minCrashFreeSessionsPct,
        minSessions: release.health.minSessions,
        tokenEnv: APP_HEALTH_SETTINGS.tokenSecret,
        summary: runnerVariables.stepSummary,
      },
      before: [
        'if [ -z "$URL" ]; then',
        `  echo "::notice::No ${APP_HEALTH_SETTINGS.urlVariable} variable: the build's crash-free sessions are not checked before ${stage}"`,
        `  { echo "### Crash-free sessions: not checked"; echo; echo "No \\\`${APP_HEALTH_SETTINGS.urlVariable}\\\` variable is set: the stage goes on without the build's crash figures (docs/MONITORING.md)."; } >> "$GITHUB_STEP_SUMMARY"`,
        '  exit 0',
        'fi',
      ].join('\n'),
    });

  const phased = feedJob(
    'phased',
    `Phased rollout (Sparkle, a group every ${release.phasedRolloutIntervalHours} h)`,
    release.environments.phased,
    [build, beta],
    [
      healthCheck('the phased rollout'),
      ...feedUpdateSteps(
        release,
        APPCAST_PHASE,
        {
          name: 'Start the phased rollout in the feed',
          args: { feed: FEED_FILE, version: version.VERSION, intervalHours: release.phasedRolloutIntervalHours },
        },
        'phased rollout: $VERSION',
      ),
      runStep({
        name: 'Mark the GitHub release as released',
        env: { TAG: github.refName, GH_TOKEN: github.token },
        run: 'gh release edit "$TAG" --prerelease=false --latest=false',
      }),
    ],
  );

  feedJob(
    'everyone',
    'Everyone',
    release.environments.everyone,
    [build, phased],
    [
      healthCheck('offering it to everyone'),
      ...feedUpdateSteps(
        release,
        APPCAST_EVERYONE,
        { name: 'Offer the build to everyone in the feed', args: { feed: FEED_FILE, version: version.VERSION } },
        'everyone: $VERSION',
      ),
      runStep({
        name: 'Mark the GitHub release as the latest',
        env: { TAG: github.refName, GH_TOKEN: github.token },
        run: 'gh release edit "$TAG" --latest',
      }),
    ],
  );
  return workflow;
}

/**
 * `.github/workflows/app-rollback.yml`: on demand, withdraws a bad build from the Sparkle feed (nobody
 * is offered it again; the newest remaining build is offered instead) and marks its GitHub release
 * as a pre-release, behind the environment that guards "everyone".
 */
export function appRollbackWorkflow(scope: Construct, platform: Platform): SecureWorkflow | undefined {
  const release = platform.appRelease;
  if (!release) return undefined;
  const workflow = new SecureWorkflow(scope, 'app-rollback', {
    name: 'Withdraw an app build',
    description:
      'On demand: removes a bad build from the Sparkle appcast (the previous build is offered again) and marks its GitHub release as a pre-release.',
    triggers: {
      workflowDispatch: {
        inputs: {
          build: {
            description: 'CFBundleVersion of the bad build (the release run number; see the appcast)',
            type: 'string',
            required: true,
          },
          tag: { description: `Its tag, e.g. ${release.tagPrefix}1.4.0`, type: 'string', required: true },
        },
      },
    },
    // A withdrawal starts at once: the release's group would queue it behind a release parked at an approval gate.
    concurrency: false,
  });
  workflow.addJob('withdraw', {
    name: 'Withdraw the build from the feed',
    runsOn: platform.runners.linux,
    environment: release.environments.everyone,
    permissions: { contents: 'write' },
    timeoutMinutes: 15,
    steps: [
      ...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }),
      feedCheckout(release),
      ...feedUpdateSteps(
        release,
        APPCAST_WITHDRAW,
        { name: 'Withdraw it from the feed', args: { feed: FEED_FILE, version: workflow.input('build') } },
        'withdraw: $VERSION',
      ),
      runStep({
        name: 'Mark its GitHub release as a pre-release',
        env: { TAG: workflow.input('tag'), TAG_PREFIX: release.tagPrefix, GH_TOKEN: github.token },
        run: '[[ "$TAG" == "$TAG_PREFIX"* ]] || { echo "::error::$TAG is not an app tag"; exit 1; }\ngh release edit "$TAG" --prerelease --latest=false',
      }),
    ],
  });
  return workflow;
}
