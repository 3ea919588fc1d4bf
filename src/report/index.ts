/** Reporters by name: adding one is one file and one entry here. */
import { DefaultReporter } from './default.js';
import { HtmlReporter } from './html.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import type { ReporterClass } from './types.js';
import { VerboseReporter } from './verbose.js';

export const REPORTERS: Record<string, ReporterClass> = {
  default: DefaultReporter,
  verbose: VerboseReporter,
  json: JsonReporter,
  junit: JunitReporter,
  html: HtmlReporter,
};

export type { Output, Reporter } from './types.js';
export { ProgressBar } from './progress.js';
export { summaryLine } from './summary.js';
export { diffResults, formatDiff } from './diff.js';
export { renderComparison, renderReport, type LabelledRun } from './html.js';
