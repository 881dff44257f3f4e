/** `explain` as one self-contained HTML page: inline CSS, no script, nothing loaded from elsewhere. */
import type { AccessMatrix } from './accessMatrix.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f6f8fa; }
td.rule { font-family: ui-monospace, monospace; font-size: 12px; max-width: 32rem; }
td.allowed, .legend .allowed { background: #c9f2d3; color: #0a4a1c; }
td.denied, .legend .denied { background: #f9c9c9; color: #6b0f0f; }
th.type { background: #eaeef2; }
.legend span { display: inline-block; padding: 0 0.5rem; margin-right: 0.5rem; }
`;

/**
 * The matrix as a coloured grid a reviewer opens in a browser: rows are fields, columns clients; each
 * cell says allowed or denied, carries the deciding rule as its title, and `data-client`,
 * `data-field` and `data-access` attributes for tools.
 *
 * @param title - the page's heading, e.g. the schema source
 */
export function explainPage(matrix: AccessMatrix, title: string): string {
  const header = matrix.clients
    .map((client) => `<th scope="col" title="${escapeHtml(client.name)} (${client.kind})">${escapeHtml(client.id)}</th>`)
    .join('');
  const rows: string[] = [];
  let currentType = '';
  for (const field of matrix.fields) {
    const type = field.coordinate.slice(0, field.coordinate.indexOf('.'));
    if (type !== currentType) {
      currentType = type;
      rows.push(`<tr><th class="type" colspan="${matrix.clients.length + 2}">${escapeHtml(type)}</th></tr>`);
    }
    const cells = matrix.clients
      .map((client) => {
        const decision = field.decisions[client.id];
        const access = decision?.allowed === true ? 'allowed' : 'denied';
        return (
          `<td class="${access}" data-client="${escapeHtml(client.id)}" data-field="${escapeHtml(field.coordinate)}" ` +
          `data-access="${access}" title="${escapeHtml(decision?.rule ?? '')}">${access}</td>`
        );
      })
      .join('');
    rows.push(`<tr><th scope="row">${escapeHtml(field.coordinate)}</th><td class="rule">${escapeHtml(field.rule)}</td>${cells}</tr>`);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>allow-clients explain: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Who may read what: ${escapeHtml(title)}</h1>
<p>Default policy for unannotated fields: <code>${escapeHtml(matrix.defaultPolicy)}</code>. Hover a cell for the rule that decides.</p>
<p class="legend"><span class="allowed">allowed</span><span class="denied">denied</span></p>
<table id="matrix">
<thead><tr><th scope="col">Field</th><th scope="col">Rule</th>${header}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
