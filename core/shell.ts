// A value as one shell word, single-quoted: safe for any text in a script kubestrap writes.
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
