import MarkdownIt from 'markdown-it';

/**
 * Release notes in Markdown (what GitHub's generate-notes API writes) as the HTML Sparkle shows in
 * its update window. Raw HTML in the Markdown is escaped, never passed through: the notes quote pull
 * request titles, which anyone who opens a pull request writes. Bare URLs become links.
 */
export function releaseNotesHtml(markdown: string): string {
  return new MarkdownIt({ html: false, linkify: true }).render(markdown).trimEnd();
}
