// Globals the ganbook kernel gives every cell (added to the cell compiler's root files by
// kernel/compile.js; defined at run time by kernel/layer.js).

/**
 * Asks the user for a line of text through the front-end (Jupyter `input_request`), as Python's
 * `input()`. Resolves to what they typed. `password: true` hides the typing.
 * @throws Error when the front-end does not accept input (`allow_stdin` false, e.g. nbconvert),
 *   or `KeyboardInterrupt` when the cell is interrupted while waiting.
 * @example const name = await prompt('Your name: ');
 */
declare function prompt(message?: string, options?: { password?: boolean }): Promise<string>;
/** The same as {@link prompt} (Python's name). */
declare function input(message?: string, options?: { password?: boolean }): Promise<string>;
