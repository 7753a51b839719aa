/**
 * Submitted text shown in a terminal (the CLI's lead table, an import's problem list). A terminal obeys control
 * characters: an ESC in a name could move the cursor, retitle the window or clear the screen, and a bidi override
 * could reorder the line around it.
 */

/** C0/C1 controls and bidi overrides or isolates. */
const UNSAFE_IN_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;

/** The text with nothing in it that a terminal would obey: each control character shown as �. */
export const withoutTerminalControls = (text: string) => text.replace(UNSAFE_IN_TERMINAL, '\ufffd');

/** Right-to-left text inside a first-strong isolate, so a terminal that lays out bidi text reorders it and nothing around it. */
export const isolatedIfRightToLeft = (text: string) => (RIGHT_TO_LEFT.test(text) ? `\u2068${text}\u2069` : text);
