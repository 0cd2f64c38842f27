// BENCHMARKS.md's `## ` sections, each written by its own bench (the engine tables by
// `npm run bench`, `## Service` by bench:service, `## Real tables` by bench:tables): finding one
// and replacing it alone. A section runs from its `## ` line to the next one or the end.
// Not here: what any section says.

function bounds(markdown: string, heading: string): [number, number] | undefined {
  const line = `## ${heading}\n`;
  const at = markdown.startsWith(line) ? 0 : markdown.indexOf(`\n${line}`) + 1;
  if (at === 0 && !markdown.startsWith(line)) return undefined;
  const next = markdown.indexOf('\n## ', at + line.length - 1);
  return [at, next < 0 ? markdown.length : next + 1];
}

/** The section under `## heading`, heading line included, or undefined. */
export function sectionOf(markdown: string, heading: string): string | undefined {
  const found = bounds(markdown, heading);
  return found ? markdown.slice(found[0], found[1]).trimEnd() : undefined;
}

/**
 * `markdown` with its `## heading` section replaced by `section` (which starts with that heading
 * line), or with `section` appended at the end when there is none.
 */
export function withSection(markdown: string, heading: string, section: string): string {
  const found = bounds(markdown, heading);
  const body = `${section.trimEnd()}\n`;
  if (!found) return `${markdown.trimEnd()}\n\n${body}`;
  const [from, to] = found;
  const after = markdown.slice(to);
  return `${markdown.slice(0, from)}${body}${after ? `\n${after}` : ''}`;
}
