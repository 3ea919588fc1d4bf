/** The HTML document around a report's sections: one self-contained file (inline CSS, SVG and script). */
import { CSS, SCRIPT } from './assets.js';
import { GRADIENTS } from './heatmap.js';
import { esc } from './svg.js';

export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="circuitspec"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>${GRADIENTS}${body}<script>${SCRIPT}</script></body></html>
`;
}
