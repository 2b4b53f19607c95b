import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { Appcast, SPARKLE_NS } from '../../src/runtime/appcast/appcast';
import { sparkleAppcastCommand } from '../../src/runtime/cli/sparkle-appcast';
import { runCliInProcess } from '../support/run-cli';

// A fixed test key (Sparkle's format: base64 of the 32-byte Ed25519 seed).
const { privateKey } = generateKeyPairSync('ed25519');
const SEED = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16).toString('base64');
const ENV = { SPARKLE_KEY: SEED, SOURCE_DATE_EPOCH: '1767225600' };

describe('sparkle-appcast', () => {
  let dir: string;
  let feed: string;
  let archive: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'appcast-'));
    feed = path.join(dir, 'appcast.xml');
    archive = path.join(dir, 'App.zip');
    writeFileSync(archive, Buffer.from('the notarized app, zipped'));
  });
  const run = (...args: string[]) => runCliInProcess(sparkleAppcastCommand, args, ENV);
  const add = (version: string, ...extra: string[]) =>
    run(
      'add',
      '--feed',
      feed,
      '--version',
      version,
      '--short-version',
      `1.${version}.0`,
      '--url',
      `https://example.com/${version}.zip`,
      '--archive',
      archive,
      '--ed-key-env',
      'SPARKLE_KEY',
      ...extra,
    );

  test('add signs the archive as Sparkle verifies it (Ed25519 over the bytes) and puts the build on its channel', async () => {
    expect((await add('7', '--channel', 'beta')).code).toBe(0);
    const xml = readFileSync(feed, 'utf8');
    expect(xml).toContain(`xmlns:sparkle="${SPARKLE_NS}"`);
    expect(xml).toContain('<pubDate>Thu, 01 Jan 2026 00:00:00 +0000</pubDate>');
    expect(xml).toContain('<sparkle:channel>beta</sparkle:channel>');
    const signature = /sparkle:edSignature="([^"]+)"/.exec(xml)![1]!;
    expect(verify(null, readFileSync(archive), createPublicKey(privateKey), Buffer.from(signature, 'base64'))).toBe(
      true,
    );
    expect(xml).toContain(`length="${readFileSync(archive).length}"`);
  });

  test("--release-notes: the Markdown becomes the item's HTML description, raw HTML from a pull request title escaped", async () => {
    const notes = path.join(dir, 'notes.md');
    writeFileSync(
      notes,
      "## What's Changed\n* Faster model switch <img src=x onerror=alert(1)> by @dev in https://github.com/o/r/pull/41\n\n**Full Changelog**: https://github.com/o/r/compare/app-v1.2.2...app-v1.2.3\n",
    );
    expect((await add('7', '--release-notes', notes)).code).toBe(0);
    const doc = new DOMParser().parseFromString(readFileSync(feed, 'utf8'), 'text/xml');
    const html = doc.getElementsByTagName('description')[0]!.textContent!;
    expect(html).toContain("<h2>What's Changed</h2>");
    expect(html).toContain('<a href="https://github.com/o/r/pull/41">https://github.com/o/r/pull/41</a>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  test('beta → phased rollout → everyone → withdrawn, other items kept, newest first', async () => {
    await add('6');
    await add('7', '--channel', 'beta');
    expect(Appcast.parse(readFileSync(feed, 'utf8'), 'feed').items).toEqual([
      { version: '7', channel: 'beta' },
      { version: '6' },
    ]);
    expect((await run('phase', '--feed', feed, '--version', '7', '--interval-hours', '24')).code).toBe(0);
    expect(Appcast.parse(readFileSync(feed, 'utf8'), 'feed').items[0]).toEqual({
      version: '7',
      phasedRolloutIntervalSeconds: 86400,
    });
    expect((await run('everyone', '--feed', feed, '--version', '7')).code).toBe(0);
    expect(Appcast.parse(readFileSync(feed, 'utf8'), 'feed').items[0]).toEqual({ version: '7' });
    expect((await run('withdraw', '--feed', feed, '--version', '7')).code).toBe(0);
    // The last good build is what Sparkle offers again.
    expect(Appcast.parse(readFileSync(feed, 'utf8'), 'feed').items).toEqual([{ version: '6' }]);
  });

  test.each([
    ['a version already published', () => add('7'), () => add('7'), /version 7 is already in the feed/],
    [
      'an unknown version',
      () => add('7'),
      () => run('withdraw', '--feed', feed, '--version', '8'),
      /no item with sparkle:version 8; the feed has 7/,
    ],
    [
      'a missing key',
      () => add('6'),
      () =>
        runCliInProcess(
          sparkleAppcastCommand,
          [
            'add',
            '--feed',
            feed,
            '--version',
            '7',
            '--short-version',
            '1.0.0',
            '--url',
            'https://e.com/a.zip',
            '--archive',
            archive,
            '--ed-key-env',
            'NOPE',
          ],
          {},
        ),
      /"NOPE" is not set/,
    ],
    [
      'an insecure download',
      () => add('6'),
      () => add('7', '--url', 'http://example.com/a.zip'),
      /must be an https URL/,
    ],
    [
      'missing release notes',
      () => add('6'),
      () => add('7', '--release-notes', path.join(dir, 'nope.md')),
      /--release-notes ".*nope\.md" is not a file/,
    ],
    [
      'a feed that is not XML',
      async () => {
        writeFileSync(feed, '<rss><channel>');
      },
      () => run('everyone', '--feed', feed, '--version', '7'),
      /not well-formed XML/,
    ],
  ])('%s → exit 2 naming the problem; the feed is unchanged', async (_label, setup, act, message) => {
    await setup();
    const before = readFileSync(feed, 'utf8');
    const r = await act();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(feed, 'utf8')).toBe(before);
  });
});
