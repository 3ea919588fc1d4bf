/** Fill a template's [SLOT]s and remember where each filled slot starts in the text. */
import { CircuitspecError } from '../../errors.js';

export interface FilledSlot {
  slot: string;
  /** 0-based occurrence of this slot name in the template. */
  occurrence: number;
  start: number;
  value: string;
}

export function fillTemplate(template: string, value: (slot: string, occurrence: number) => string): { text: string; slots: FilledSlot[] } {
  const slots: FilledSlot[] = [];
  const seen = new Map<string, number>();
  let text = '';
  let last = 0;
  for (const m of template.matchAll(/\[([A-Z]+)\]/g)) {
    text += template.slice(last, m.index);
    const slot = m[1];
    const occurrence = seen.get(slot) ?? 0;
    seen.set(slot, occurrence + 1);
    const v = value(slot, occurrence);
    slots.push({ slot, occurrence, start: text.length, value: v });
    text += v;
    last = m.index + m[0].length;
  }
  text += template.slice(last);
  return { text, slots };
}

export function slotStart(slots: FilledSlot[], slot: string, occurrence: number, template: string): number {
  const s = slots.find((x) => x.slot === slot && x.occurrence === occurrence);
  if (!s) throw new CircuitspecError(`template ${JSON.stringify(template)} has no occurrence ${occurrence + 1} of [${slot}]`);
  return s.start;
}
