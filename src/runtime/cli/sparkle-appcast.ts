#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { fileExists, writeFileAtomic } from './files';
import { main, numberOption, PROCESS_IO, type CliIo } from './run-cli';
import {
  APPCAST_ADD as A,
  APPCAST_EVERYONE as E,
  APPCAST_PHASE as P,
  APPCAST_WITHDRAW as W,
} from '../../common/cli-contracts';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';
import { Appcast, edSignature, rfc822 } from '../appcast/appcast';
import { releaseNotesHtml } from '../appcast/release-notes';

/** The feed, or a new one (only `add` may start a feed). */
function readFeed(file: string, create?: string): Appcast {
  if (!fileExists(file)) {
    if (create !== undefined) return Appcast.empty(create);
    throw new InputError(`${A.flags.feed} ${quoteInput(file)} does not exist`);
  }
  return Appcast.parse(readFileSync(file, 'utf8'), file);
}

/** Now, or SOURCE_DATE_EPOCH when set (reproducible runs and tests). */
function now(env: NodeJS.ProcessEnv): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^\d+$/.test(epoch)) {
    throw new InputError(`SOURCE_DATE_EPOCH must be seconds since 1970, got ${quoteInput(epoch)}`);
  }
  return new Date(Number(epoch) * 1000);
}

function versionArg(raw: string): string {
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(raw)) {
    throw new InputError(`${A.flags.version} must be a bundle version such as 1.4.0 or 142, got ${quoteInput(raw)}`);
  }
  return raw;
}

export function sparkleAppcastCommand(io: CliIo = PROCESS_IO): Command {
  const program = new Command(A.bin).description(
    'Edits a Sparkle appcast through a release: add a signed build to a channel, start its phased rollout, release it to everyone, ' +
      'or withdraw it. The feed is rewritten atomically; other items are kept. Exit codes: 0 done, 2 usage or input error.',
  );
  const EXIT = ' Exit codes: 0 done, 2 usage or input error (the feed is left unchanged).';
  const done = (feed: string, appcast: Appcast, what: string) => {
    writeFileAtomic(feed, appcast.toString());
    io.stdout(
      `${what}; the feed now lists ${appcast.items.map((i) => `${i.version}${i.channel ? ` (${i.channel})` : ''}${i.phasedRolloutIntervalSeconds ? ' (phased)' : ''}`).join(', ') || 'nothing'}\n`,
    );
  };

  program
    .command(A.subcommand!)
    .description(
      "Adds a build at the top of the feed, signed with Sparkle's EdDSA key read from the named environment variable." +
        EXIT,
    )
    .requiredOption(`${A.flags.feed} <file>`, 'appcast.xml (created when missing)')
    .requiredOption(`${A.flags.version} <version>`, 'CFBundleVersion of the build', versionArg)
    .requiredOption(`${A.flags.shortVersion} <version>`, 'CFBundleShortVersionString', versionArg)
    .requiredOption(`${A.flags.url} <url>`, 'https download URL of the archive')
    .requiredOption(`${A.flags.archive} <file>`, 'the archive (zip of the notarized, stapled app) to sign and measure')
    .requiredOption(
      `${A.flags.edKeyEnv} <name>`,
      "environment variable holding the EdDSA private key (base64, from Sparkle's generate_keys)",
    )
    .option(`${A.flags.channel} <name>`, 'Sparkle channel, e.g. beta (default: every user)')
    .option(`${A.flags.title} <title>`, 'title of a new feed', 'Updates')
    .option(
      `${A.flags.releaseNotes} <file>`,
      "release notes in Markdown (e.g. GitHub's generated notes), shown by Sparkle as the item's description; raw HTML is escaped",
    )
    .action(
      (o: {
        feed: string;
        version: string;
        shortVersion: string;
        url: string;
        archive: string;
        edKeyEnv: string;
        channel?: string;
        title: string;
        releaseNotes?: string;
      }) => {
        if (!/^https:\/\/\S+$/.test(o.url)) {
          throw new InputError(
            `${A.flags.url} must be an https URL (Sparkle refuses insecure downloads), got ${quoteInput(o.url)}`,
          );
        }
        if (o.channel !== undefined && !/^[a-z][a-z0-9-]*$/.test(o.channel)) {
          throw new InputError(
            `${A.flags.channel} must be a lowercase name such as beta, got ${quoteInput(o.channel)}`,
          );
        }
        const key = io.env[o.edKeyEnv];
        if (!key) {
          throw new InputError(
            `${A.flags.edKeyEnv}: the environment variable ${quoteInput(o.edKeyEnv)} is not set or empty`,
          );
        }
        if (!fileExists(o.archive) || !statSync(o.archive).isFile()) {
          throw new InputError(`${A.flags.archive} ${quoteInput(o.archive)} is not a file`);
        }
        if (o.releaseNotes !== undefined && (!fileExists(o.releaseNotes) || !statSync(o.releaseNotes).isFile())) {
          throw new InputError(`${A.flags.releaseNotes} ${quoteInput(o.releaseNotes)} is not a file`);
        }
        const archive = readFileSync(o.archive);
        const notes = o.releaseNotes === undefined ? '' : readFileSync(o.releaseNotes, 'utf8').trim();
        const appcast = readFeed(o.feed, o.title);
        appcast.add({
          version: o.version,
          shortVersion: o.shortVersion,
          url: o.url,
          length: archive.length,
          edSignature: edSignature(archive, key),
          channel: o.channel,
          pubDate: rfc822(now(io.env)),
          ...(notes ? { descriptionHtml: releaseNotesHtml(notes) } : {}),
        });
        done(o.feed, appcast, `added ${o.version}${o.channel ? ` to the ${o.channel} channel` : ''}`);
      },
    );

  program
    .command(P.subcommand!)
    .description(
      "Starts Sparkle's phased rollout of a build: out of its channel to every user, in 7 groups, one more group each interval from now." +
        EXIT,
    )
    .requiredOption(`${P.flags.feed} <file>`, 'appcast.xml')
    .requiredOption(`${P.flags.version} <version>`, 'CFBundleVersion of the build', versionArg)
    .requiredOption(
      `${P.flags.intervalHours} <hours>`,
      'hours between groups',
      numberOption(P.flags.intervalHours, { min: 1, max: 168, integer: true }),
    )
    .action((o: { feed: string; version: string; intervalHours: number }) => {
      const appcast = readFeed(o.feed);
      appcast.startPhasedRollout(o.version, o.intervalHours * 3600, rfc822(now(io.env)));
      done(o.feed, appcast, `phased rollout of ${o.version} started (a group every ${o.intervalHours} h)`);
    });

  program
    .command(E.subcommand!)
    .description('Offers a build to every user at once (ends its phased rollout).' + EXIT)
    .requiredOption(`${E.flags.feed} <file>`, 'appcast.xml')
    .requiredOption(`${E.flags.version} <version>`, 'CFBundleVersion of the build', versionArg)
    .action((o: { feed: string; version: string }) => {
      const appcast = readFeed(o.feed);
      appcast.releaseToEveryone(o.version);
      done(o.feed, appcast, `${o.version} offered to everyone`);
    });

  program
    .command(W.subcommand!)
    .description(
      'Withdraws a bad build: nobody is offered it again, and the newest remaining build is offered instead.' + EXIT,
    )
    .requiredOption(`${W.flags.feed} <file>`, 'appcast.xml')
    .requiredOption(`${W.flags.version} <version>`, 'CFBundleVersion of the build', versionArg)
    .action((o: { feed: string; version: string }) => {
      const appcast = readFeed(o.feed);
      appcast.withdraw(o.version);
      done(o.feed, appcast, `${o.version} withdrawn`);
    });
  return program;
}

if (require.main === module) main(sparkleAppcastCommand());
