/**
 * docs/rules.md as a plain HTML page, so that the inspector's rule badges can link to a rule's
 * section (`/docs/rules.md#r1`). Headings become headings, with the anchor the badges use: the rule
 * id in lower case when the heading starts with one, else the heading's text as a slug; an explicit
 * `<a id="…"></a>` line is kept as an anchor. Everything else is shown as the text it is (escaped).
 */
export function rulebookPage(markdown: string): string {
  const out: string[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.some((line) => line.trim() !== '')) out.push(`<pre>${escape(text.join('\n').replace(/^\n+|\n+$/g, ''))}</pre>`);
    text = [];
  };
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    const anchor = /^\s*<a\s+(?:id|name)="([\w-]+)"\s*>\s*<\/a>\s*$/i.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      const title = heading[2]!;
      out.push(`<h${level} id="${escape(anchorOf(title))}">${escape(title)}</h${level}>`);
    } else if (anchor) {
      flush();
      out.push(`<a id="${escape(anchor[1]!)}"></a>`);
    } else text.push(line);
  }
  flush();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>The rules</title>',
    '<style>body{font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:860px;margin:0 auto;padding:16px;color:#1f2328}',
    'pre{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit;margin:0 0 12px}h1,h2,h3{margin:24px 0 8px}:target{background:#fff8c5}</style>',
    '</head><body>',
    ...out,
    '</body></html>',
    '',
  ].join('\n');
}

/** `R1 — at most …` → `r1`; any other heading → its words, lower case, joined by hyphens. */
function anchorOf(title: string): string {
  const rule = /^([A-Z]\d+)\b/.exec(title);
  if (rule) return rule[1]!.toLowerCase();
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
