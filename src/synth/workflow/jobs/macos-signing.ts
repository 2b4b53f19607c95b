import { secret, status, type EnvValue } from '../expressions';
import { runStep, type JobStep } from '../steps';

/** The secrets that hold a Developer ID Application certificate. */
export interface SigningCertificateSecrets {
  /** The secret with the certificate and its private key as a base64 `.p12`. */
  readonly p12Base64: string;
  /** The secret with the `.p12`'s password. */
  readonly p12Password: string;
}

/** Where the job's keychain lives: in the runner's temporary folder, never the login keychain. */
const KEYCHAIN = '"$RUNNER_TEMP/signing.keychain-db"';

/**
 * A keychain created for the job, holding the Developer ID certificate, and the step that deletes it.
 * The secrets reach only the import step; the keychain's password is random and never leaves the
 * job. Put `remove` last: it runs `always()`, so a failed or cancelled build still deletes it.
 */
export function temporaryKeychainSteps(secrets: SigningCertificateSecrets): {
  readonly create: JobStep;
  readonly remove: JobStep;
} {
  return {
    create: runStep({
      name: 'Import the Developer ID certificate into a temporary keychain',
      env: { CERTIFICATE_P12: secret(secrets.p12Base64), CERTIFICATE_PASSWORD: secret(secrets.p12Password) },
      run: [
        '[[ -n "$CERTIFICATE_P12" && -n "$CERTIFICATE_PASSWORD" ]] || { echo "::error::the signing certificate secrets are not set"; exit 1; }',
        'keychain_password="$(openssl rand -hex 24)"',
        `security create-keychain -p "$keychain_password" ${KEYCHAIN}`,
        `security set-keychain-settings -lut 3600 ${KEYCHAIN}`,
        `security unlock-keychain -p "$keychain_password" ${KEYCHAIN}`,
        'umask 077 && printf \'%s\' "$CERTIFICATE_P12" | base64 --decode > "$RUNNER_TEMP/certificate.p12"',
        `security import "$RUNNER_TEMP/certificate.p12" -k ${KEYCHAIN} -P "$CERTIFICATE_PASSWORD" -T /usr/bin/codesign -T /usr/bin/security`,
        'rm -f "$RUNNER_TEMP/certificate.p12"',
        `security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k "$keychain_password" ${KEYCHAIN} > /dev/null`,
        '# First in the search list, so codesign and xcodebuild find the identity.',
        "mapfile -t keychains < <(security list-keychains -d user | tr -d '\" ')",
        `security list-keychains -d user -s ${KEYCHAIN} "\${keychains[@]}"`,
      ].join('\n'),
    }),
    remove: runStep({
      name: 'Delete the temporary keychain',
      if: status.always,
      run: [`security delete-keychain ${KEYCHAIN} 2> /dev/null || true`, 'rm -f "$RUNNER_TEMP/certificate.p12"'].join(
        '\n',
      ),
    }),
  };
}

/** What notarytool signs in with: secrets for the Apple ID and its app-specific password, and the team. */
export interface NotarySecrets {
  readonly appleId: string;
  readonly password: string;
  /** The team id (not a secret: it is in every signature). */
  readonly teamId: EnvValue;
}

/**
 * Notarizes an app bundle with `xcrun notarytool` (waiting for Apple's verdict, printing its log on
 * rejection), staples the ticket and checks the result with Gatekeeper's own assessment; then zips
 * it for distribution. `appInRunnerTemp` is the bundle's path under RUNNER_TEMP (the script joins
 * them: GitHub passes env values literally, so `$RUNNER_TEMP` in an env value would never expand),
 * `archive` the zip to write.
 */
export function notarizeStep(
  secrets: NotarySecrets,
  paths: { readonly appInRunnerTemp: string; readonly archive: string },
): JobStep {
  return runStep({
    name: 'Notarize, staple and verify',
    env: {
      APP_IN_RUNNER_TEMP: paths.appInRunnerTemp,
      ARCHIVE: paths.archive,
      APPLE_ID: secret(secrets.appleId),
      NOTARY_PASSWORD: secret(secrets.password),
      TEAM_ID: secrets.teamId,
    },
    run: [
      'APP="$RUNNER_TEMP/$APP_IN_RUNNER_TEMP"',
      'ditto -c -k --keepParent "$APP" "$RUNNER_TEMP/notarize.zip"',
      'if ! xcrun notarytool submit "$RUNNER_TEMP/notarize.zip" --apple-id "$APPLE_ID" --password "$NOTARY_PASSWORD" --team-id "$TEAM_ID" \\',
      '    --wait --timeout 30m --output-format json > "$RUNNER_TEMP/notary.json"; then',
      '  cat "$RUNNER_TEMP/notary.json"',
      '  id="$(jq -r .id "$RUNNER_TEMP/notary.json")"',
      '  [[ -z "$id" || "$id" == null ]] || xcrun notarytool log "$id" --apple-id "$APPLE_ID" --password "$NOTARY_PASSWORD" --team-id "$TEAM_ID"',
      '  echo "::error::notarization failed"; exit 1',
      'fi',
      '[[ "$(jq -r .status "$RUNNER_TEMP/notary.json")" == Accepted ]] || { cat "$RUNNER_TEMP/notary.json"; echo "::error::notarization was not accepted"; exit 1; }',
      'xcrun stapler staple "$APP"',
      'xcrun stapler validate "$APP"',
      'spctl --assess --type execute --verbose=2 "$APP"',
      'ditto -c -k --keepParent "$APP" "$ARCHIVE"',
    ].join('\n'),
  });
}
