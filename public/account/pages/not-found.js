// @ts-check
/** Nothing to fill: the server said everything. */
export function start() {}
