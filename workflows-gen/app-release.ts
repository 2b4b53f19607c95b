import {
  APP_RELEASE_SECRETS, APPLE_TEAM_VARIABLE, APPCAST_ADD, APPCAST_EVERYONE, APPCAST_PHASE, APPCAST_WITHDRAW, checkout, cliStep, downloadArtifact, Expression, github, notarizeStep, npmInstallSteps,
  runStep, SecureWorkflow, secret, selectXcode, temporaryKeychainSteps, uploadArtifact, variable, type AppRelease, type CliContract, type CliStepProps, type Construct, type JobStep, type Platform,
} from '../src';

/** Releases of the app run one at a time (a newer tag replaces a pending one); withdrawals stay outside it. */
const FEED_CONCURRENCY = { group: 'app-feed', cancelInProgress: false } as const;
const FEED_DIR = 'feed';
const FEED_FILE = `${FEED_DIR}/appcast.xml`;
const BOT = ['-c', 'user.name=github-actions[bot]', '-c', 'user.email=41898282+github-actions[bot]@users.noreply.github.com'].join(' ');

/** Checks out the feed branch (pushed to at the end of the job: credentials kept, `contents: write`). */
function feedCheckout(release: AppRelease): JobStep {
  return checkout({ ref: release.feedBranch, path: FEED_DIR, persistCredentials: true });
}

/** Attempts at publishing a feed change before a stage gives up (another writer moved the branch each time). */
const FEED_PUSH_ATTEMPTS = 3;

/**
 * Edits the feed with an appcast CLI and publishes it in one step that survives another writer (a
 * withdrawal, the other stage's job): each attempt starts from the branch's current head, applies
 * the edit again and pushes; a push refused because the head moved is retried, so neither writer
 * loses its change. `message` may use `$VERSION`.
 */
function feedUpdateStep<F extends string, S extends F>(release: AppRelease, cli: CliContract<F, S>, props: CliStepProps<F, S>, message: string): JobStep {
  return cliStep(cli, {
    ...props,
    env: { ...props.env, FEED_CHECKOUT: FEED_DIR, FEED_BRANCH: release.feedBranch },
    commandIndent: 2,
    before: [
      `for attempt in $(seq 1 ${FEED_PUSH_ATTEMPTS}); do`,
      '  git -C "$FEED_CHECKOUT" fetch --quiet --depth 1 origin "$FEED_BRANCH"',
      '  git -C "$FEED_CHECKOUT" reset --quiet --hard FETCH_HEAD',
    ].join('\n'),
    after: [
      '  git -C "$FEED_CHECKOUT" add appcast.xml',
      `  git -C "$FEED_CHECKOUT" ${BOT} commit --quiet -m "${message}"`,
      '  if git -C "$FEED_CHECKOUT" push origin "HEAD:refs/heads/$FEED_BRANCH"; then exit 0; fi',
      `  echo "::warning::$FEED_BRANCH moved while this job changed it (attempt $attempt of ${FEED_PUSH_ATTEMPTS}); applying the change again on its new head"`,
      '  sleep $((attempt * 2))',
      'done',
      'echo "::error::$FEED_BRANCH kept moving; the feed was not published"; exit 1',
    ].join('\n'),
  });
}

/**
 * `.github/workflows/app-release.yml`: for an app tag (`app-v1.4.0`), a Developer ID build on macOS
 * (certificate in a temporary keychain deleted in an `always()` step; secrets only in the steps
 * that need them), notarized and stapled; then the beta channel (a GitHub pre-release and a Sparkle
 * appcast item on the `beta` channel), Sparkle's phased rollout to everyone, and everyone at once,
 * each step behind its protected GitHub environment. No cache anywhere: a release build starts clean.
 */
export function appReleaseWorkflow(scope: Construct, platform: Platform): SecureWorkflow | undefined {
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
  const keychain = temporaryKeychainSteps({ p12Base64: APP_RELEASE_SECRETS.certificateP12, p12Password: APP_RELEASE_SECRETS.certificatePassword });
  const teamId = variable(APPLE_TEAM_VARIABLE);

  const build = workflow.addJob('build', {
    name: 'Build, sign and notarize',
    runsOn: platform.runners.macos,
    permissions: { contents: 'read' },
    timeoutMinutes: 60,
    steps: [
      checkout(),
      selectXcode({ version: app.xcode }),
      runStep({
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
      }),
      keychain.create,
      runStep({
        name: 'Archive with the Developer ID identity',
        env: {
          PROJECT: app.project, SCHEME: app.scheme, TEAM_ID: teamId,
          SHORT_VERSION: Expression.raw('steps.version.outputs.short-version'), BUILD: Expression.raw('steps.version.outputs.build'),
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
  build.addOutput('short-version', Expression.raw('steps.version.outputs.short-version'));
  build.addOutput('build', Expression.raw('steps.version.outputs.build'));
  const version = { VERSION: build.output('build'), SHORT_VERSION: build.output('short-version'), TAG: github.refName };
  const feedJob = (id: string, name: string, environment: string, needs: ReturnType<SecureWorkflow['addJob']>[], steps: JobStep[]) => workflow.addJob(id, {
    name, runsOn: platform.runners.linux, environment, needs, permissions: { contents: 'write' }, timeoutMinutes: 15,
    steps: [...npmInstallSteps({ nodeVersion: platform.toolchain.node, cache: false }), feedCheckout(release), ...steps],
  });

  const beta = feedJob('beta', 'Beta channel (GitHub pre-release, appcast channel "beta")', release.environments.beta, [build], [
    downloadArtifact({ name: 'app-release', path: '.' }),
    runStep({
      name: 'GitHub pre-release with the notarized build',
      env: { ...version, ARCHIVE: archive, GH_TOKEN: github.token },
      run: 'gh release create "$TAG" "$ARCHIVE" --verify-tag --prerelease --title "$SHORT_VERSION ($VERSION)" --notes "Beta of $SHORT_VERSION, build $VERSION."',
    }),
    feedUpdateStep(release, APPCAST_ADD, {
      name: 'Add the build to the beta channel and publish the feed',
      env: { [APP_RELEASE_SECRETS.sparkleKey]: secret(APP_RELEASE_SECRETS.sparkleKey) },
      args: {
        feed: FEED_FILE, version: version.VERSION, shortVersion: version.SHORT_VERSION, archive, channel: 'beta', edKeyEnv: APP_RELEASE_SECRETS.sparkleKey, title: app.scheme,
        url: Expression.raw(`format('{0}/{1}/releases/download/{2}/{3}', github.server_url, github.repository, github.ref_name, ${Expression.literal(archive)})`),
      },
    }, 'beta: $VERSION'),
  ]);

  const phased = feedJob('phased', `Phased rollout (Sparkle, a group every ${release.phasedRolloutIntervalHours} h)`, release.environments.phased, [build, beta], [
    feedUpdateStep(release, APPCAST_PHASE, { name: 'Start the phased rollout and publish the feed', args: { feed: FEED_FILE, version: version.VERSION, intervalHours: release.phasedRolloutIntervalHours } }, 'phased rollout: $VERSION'),
    runStep({ name: 'Mark the GitHub release as released', env: { TAG: github.refName, GH_TOKEN: github.token }, run: 'gh release edit "$TAG" --prerelease=false --latest=false' }),
  ]);

  feedJob('everyone', 'Everyone', release.environments.everyone, [build, phased], [
    feedUpdateStep(release, APPCAST_EVERYONE, { name: 'Offer the build to everyone and publish the feed', args: { feed: FEED_FILE, version: version.VERSION } }, 'everyone: $VERSION'),
    runStep({ name: 'Mark the GitHub release as the latest', env: { TAG: github.refName, GH_TOKEN: github.token }, run: 'gh release edit "$TAG" --latest' }),
  ]);
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
    description: 'On demand: removes a bad build from the Sparkle appcast (the previous build is offered again) and marks its GitHub release as a pre-release.',
    triggers: {
      workflowDispatch: {
        inputs: {
          build: { description: 'CFBundleVersion of the bad build (the release run number; see the appcast)', type: 'string', required: true },
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
      feedUpdateStep(release, APPCAST_WITHDRAW, { name: 'Withdraw it and publish the feed', args: { feed: FEED_FILE, version: workflow.input('build') } }, 'withdraw: $VERSION'),
      runStep({
        name: 'Mark its GitHub release as a pre-release',
        env: { TAG: workflow.input('tag'), TAG_PREFIX: release.tagPrefix, GH_TOKEN: github.token },
        run: '[[ "$TAG" == "$TAG_PREFIX"* ]] || { echo "::error::$TAG is not an app tag"; exit 1; }\ngh release edit "$TAG" --prerelease --latest=false',
      }),
    ],
  });
  return workflow;
}
