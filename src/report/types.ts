/** The reporter interface: a reporter listens to run events and writes to the streams it is given. */
import type { RunEvent } from '../plan/events.js';

export interface Output {
  /** stdout */
  out(text: string): void;
  /** stderr */
  err(text: string): void;
  color: boolean;
  isTTY: boolean;
}

export interface Reporter {
  onEvent(e: RunEvent): void;
}

/** `document`: the reporter writes a file of this kind (`html`) to `--out` instead of terminal lines. */
export type ReporterClass = (new (io: Output) => Reporter) & { readonly document?: string };
