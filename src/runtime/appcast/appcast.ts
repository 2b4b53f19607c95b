import { createPrivateKey, sign } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { InputError } from '../../common/cli-errors';

/** Sparkle's XML namespace. */
export const SPARKLE_NS = 'http://www.andymatuschak.org/xml-namespaces/sparkle';

/** One release in the feed, as this tool writes it. */
export interface AppcastRelease {
  /** `CFBundleVersion` (what Sparkle compares). */
  readonly version: string;
  /** `CFBundleShortVersionString` (what users see). */
  readonly shortVersion: string;
  /** Download URL of the signed, notarized, stapled archive. */
  readonly url: string;
  readonly length: number;
  /** Sparkle's EdDSA (Ed25519) signature of the archive, base64. */
  readonly edSignature: string;
  /** A Sparkle channel (e.g. `beta`): only apps that allow it see the item. */
  readonly channel?: string;
  /** RFC 822 date; phased-rollout groups count from it. */
  readonly pubDate: string;
  /** The release notes as HTML: the item's `<description>`, which Sparkle shows in its update window. @default - none */
  readonly descriptionHtml?: string;
}

/** A release's state in the feed. */
export interface AppcastItemState {
  readonly version: string;
  readonly channel?: string;
  readonly phasedRolloutIntervalSeconds?: number;
}

/** Sparkle's private key as `generate_keys` prints it (base64 of the 32-byte Ed25519 seed) → a Node key. */
function edPrivateKey(base64Seed: string) {
  const seed = Buffer.from(base64Seed.trim(), 'base64');
  // Older Sparkle keys are 96 bytes (seed followed by the expanded key); the seed comes first either way.
  if (seed.length !== 32 && seed.length !== 96) {
    throw new InputError(
      `the EdDSA private key must be base64 of 32 bytes (Sparkle's generate_keys), got ${seed.length} bytes`,
    );
  }
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed.subarray(0, 32)]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

/** Sparkle's `sparkle:edSignature` of an archive: Ed25519 over its bytes, base64. */
export function edSignature(archive: Buffer, base64Seed: string): string {
  return sign(null, archive, edPrivateKey(base64Seed)).toString('base64');
}

/** An appcast: RSS 2.0 with Sparkle's namespace, edited in place (other items and elements are kept). */
export class Appcast {
  /** A new, empty feed. */
  public static empty(title: string): Appcast {
    return Appcast.parse(
      `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:sparkle="${SPARKLE_NS}">\n  <channel>\n    <title>${escapeXml(title)}</title>\n  </channel>\n</rss>\n`,
      'new feed',
    );
  }

  /** Parses a feed; `where` names it in errors. */
  public static parse(text: string, where: string): Appcast {
    let doc: Document;
    try {
      doc = new DOMParser({
        onError: (level, message) => {
          if (level !== 'warning') throw new Error(message);
        },
      }).parseFromString(text, 'text/xml');
    } catch (e) {
      throw new InputError(`${where}: not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
    }
    const channel = doc.documentElement?.tagName === 'rss' ? firstChild(doc.documentElement, 'channel') : undefined;
    if (!channel) throw new InputError(`${where}: not an RSS appcast (no <rss><channel>)`);
    return new Appcast(doc, channel, where);
  }

  private constructor(
    private readonly doc: Document,
    private readonly channel: Element,
    private readonly where: string,
  ) {
    if (doc.documentElement!.getAttribute('xmlns:sparkle') !== SPARKLE_NS) {
      doc.documentElement!.setAttribute('xmlns:sparkle', SPARKLE_NS);
    }
  }

  /** The items, newest first as they stand in the feed. */
  public get items(): AppcastItemState[] {
    return this.itemElements().map((item) => {
      const interval = sparkleText(item, 'phasedRolloutInterval');
      return {
        version: sparkleText(item, 'version') ?? '',
        ...(sparkleText(item, 'channel') !== undefined ? { channel: sparkleText(item, 'channel') } : {}),
        ...(interval !== undefined ? { phasedRolloutIntervalSeconds: Number(interval) } : {}),
      };
    });
  }

  /** Adds a release at the top. A version already in the feed is refused: a build is published once. */
  public add(r: AppcastRelease): void {
    if (this.find(r.version)) throw new InputError(`${this.where}: version ${r.version} is already in the feed`);
    const item = this.doc.createElement('item');
    // Indented like the feed around it, so the feed branch's diffs stay readable.
    const indent = (depth: number) => this.doc.createTextNode(`\n${'  '.repeat(depth)}`);
    const el = (name: string, text: string, ns?: string) => {
      const e = ns ? this.doc.createElementNS(SPARKLE_NS, `sparkle:${name}`) : this.doc.createElement(name);
      e.appendChild(this.doc.createTextNode(text));
      item.appendChild(indent(3));
      item.appendChild(e);
    };
    el('title', r.shortVersion);
    if (r.descriptionHtml) el('description', r.descriptionHtml);
    el('pubDate', r.pubDate);
    el('version', r.version, SPARKLE_NS);
    el('shortVersionString', r.shortVersion, SPARKLE_NS);
    if (r.channel) el('channel', r.channel, SPARKLE_NS);
    const enclosure = this.doc.createElement('enclosure');
    enclosure.setAttribute('url', r.url);
    enclosure.setAttribute('length', String(r.length));
    enclosure.setAttribute('type', 'application/octet-stream');
    enclosure.setAttributeNS(SPARKLE_NS, 'sparkle:edSignature', r.edSignature);
    item.appendChild(indent(3));
    item.appendChild(enclosure);
    item.appendChild(indent(2));
    const first = this.itemElements()[0];
    if (first) {
      this.channel.insertBefore(item, first);
      this.channel.insertBefore(indent(2), first);
    } else {
      // After the channel's last line break, which already indents one level.
      this.channel.appendChild(this.doc.createTextNode('  '));
      this.channel.appendChild(item);
      this.channel.appendChild(indent(1));
    }
  }

  /**
   * Out of its channel to every user, in Sparkle's phased rollout: users fall into 7 groups, group n
   * is offered the update n × interval after `pubDate` (so about 1/7 more each interval).
   */
  public startPhasedRollout(version: string, intervalSeconds: number, pubDate: string): void {
    const item = this.require(version);
    removeSparkle(item, 'channel');
    setSparkle(this.doc, item, 'phasedRolloutInterval', String(intervalSeconds));
    setChild(this.doc, item, 'pubDate', pubDate);
  }

  /** Everyone at once: the phased rollout (and any channel) removed. */
  public releaseToEveryone(version: string): void {
    const item = this.require(version);
    removeSparkle(item, 'channel');
    removeSparkle(item, 'phasedRolloutInterval');
  }

  /** Removes a bad release: nobody is offered it any more, and the newest remaining item is offered again. */
  public withdraw(version: string): void {
    const item = this.require(version);
    const before = item.previousSibling;
    if (before && before.nodeType === 3 && (before.nodeValue ?? '').trim() === '') this.channel.removeChild(before);
    this.channel.removeChild(item);
  }

  public toString(): string {
    const text = new XMLSerializer().serializeToString(this.doc);
    return text.endsWith('\n') ? text : `${text}\n`;
  }

  private itemElements(): Element[] {
    return childElements(this.channel).filter((e) => e.tagName === 'item');
  }

  private find(version: string): Element | undefined {
    return this.itemElements().find((i) => sparkleText(i, 'version') === version);
  }

  private require(version: string): Element {
    const item = this.find(version);
    if (!item) {
      throw new InputError(
        `${this.where}: no item with sparkle:version ${version}; the feed has ${this.items.map((i) => i.version).join(', ') || 'no items'}`,
      );
    }
    return item;
  }
}

function childElements(parent: Element): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function firstChild(parent: Element, tag: string): Element | undefined {
  return childElements(parent).find((e) => e.tagName === tag);
}

function sparkleChild(item: Element, name: string): Element | undefined {
  return childElements(item).find((e) => e.namespaceURI === SPARKLE_NS && e.localName === name);
}

function sparkleText(item: Element, name: string): string | undefined {
  const e = sparkleChild(item, name);
  return e ? (e.textContent ?? '').trim() : undefined;
}

function removeSparkle(item: Element, name: string): void {
  const e = sparkleChild(item, name);
  if (!e) return;
  // Its line goes with it.
  const before = e.previousSibling;
  if (before && before.nodeType === 3 && (before.nodeValue ?? '').trim() === '') item.removeChild(before);
  item.removeChild(e);
}

function setSparkle(doc: Document, item: Element, name: string, text: string): void {
  removeSparkle(item, name);
  const e = doc.createElementNS(SPARKLE_NS, `sparkle:${name}`);
  e.appendChild(doc.createTextNode(text));
  const enclosure = firstChild(item, 'enclosure') ?? null;
  item.insertBefore(e, enclosure);
  item.insertBefore(doc.createTextNode('\n      '), enclosure);
}

function setChild(doc: Document, item: Element, tag: string, text: string): void {
  const existing = firstChild(item, tag);
  const e = doc.createElement(tag);
  e.appendChild(doc.createTextNode(text));
  if (existing) item.replaceChild(e, existing);
  else item.appendChild(e);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** RFC 822 date, as RSS and Sparkle expect. */
export function rfc822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
