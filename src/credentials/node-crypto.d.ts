// The one node:crypto function the service uses (workerd provides it under nodejs_compat). Declared
// here rather than through @types/node, whose globals would clash with the Workers types.
declare module 'node:crypto' {
  export function scrypt(
    password: string,
    salt: Uint8Array,
    keyLength: number,
    options: { N: number; r: number; p: number; maxmem: number },
    callback: (error: Error | null, key: Uint8Array) => void,
  ): void;
}
