/** A seeded PRNG (mulberry32): the same seed sends the same requests, so a failure reproduces. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T extends string>(choices: Record<T, number>): T {
    const entries = Object.entries(choices) as [T, number][];
    let roll = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [choice, weight] of entries) {
      roll -= weight;
      if (roll < 0) return choice;
    }
    return entries[entries.length - 1]![0];
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = (8 + this.int(0, 3)).toString(16);
    const text = hex.join('');
    return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  }

  string(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    return Array.from({ length }, () => alphabet[this.int(0, alphabet.length - 1)]).join('');
  }
}

/**
 * A string matching `pattern`, for the regular expressions request schemas use: anchors, classes
 * (`[A-Za-z0-9_-]`, `\d`, `\w`, `\x21`), groups with alternatives, and the quantifiers `? * + {m,n}`.
 * Returns undefined for anything else, so the caller falls back to an example.
 */
export function sampleRegex(pattern: string, random: Random): string | undefined {
  try {
    const parser = new RegexSampler(pattern, random);
    const value = parser.alternatives();
    if (parser.position !== pattern.length) return undefined;
    return new RegExp(pattern, 'u').test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const DIGITS = '0123456789';
const WORD = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ${DIGITS}_`;

class RegexSampler {
  position = 0;

  constructor(
    private readonly pattern: string,
    private readonly random: Random,
  ) {}

  alternatives(): string {
    const options = [this.sequence()];
    while (this.pattern[this.position] === '|') {
      this.position++;
      options.push(this.sequence());
    }
    return this.random.pick(options);
  }

  private sequence(): string {
    let out = '';
    while (this.position < this.pattern.length && !['|', ')'].includes(this.pattern[this.position]!)) {
      const atom = this.atom();
      const [min, max] = this.quantifier();
      const times = this.random.int(min, max);
      for (let i = 0; i < times; i++) out += atom();
    }
    return out;
  }

  private atom(): () => string {
    const char = this.pattern[this.position++]!;
    if (char === '^' || char === '$') return () => '';
    if (char === '(') {
      if (this.pattern.startsWith('?:', this.position)) this.position += 2;
      const start = this.position;
      // Parsed once per repetition: each one may take another alternative.
      this.alternatives();
      const end = this.position;
      if (this.pattern[this.position++] !== ')') throw new Error('unclosed group');
      return () => {
        const inner = new RegexSampler(this.pattern.slice(start, end), this.random);
        return inner.alternatives();
      };
    }
    if (char === '[') {
      const alphabet = this.characterClass();
      return () => this.random.pick(alphabet);
    }
    if (char === '\\') {
      const alphabet = this.escape();
      return () => this.random.pick(alphabet);
    }
    if (char === '.') return () => this.random.pick([...WORD]);
    return () => char;
  }

  private escape(): string[] {
    const char = this.pattern[this.position++]!;
    if (char === 'd') return [...DIGITS];
    if (char === 'w') return [...WORD];
    if (char === 's') return [' '];
    if (char === 'x') {
      const code = Number.parseInt(this.pattern.slice(this.position, this.position + 2), 16);
      this.position += 2;
      return [String.fromCharCode(code)];
    }
    if (/[A-Za-z0-9]/.test(char)) throw new Error(`unsupported escape \\${char}`);
    return [char];
  }

  private characterClass(): string[] {
    if (this.pattern[this.position] === '^') throw new Error('negated classes are not sampled');
    const members: string[] = [];
    while (this.pattern[this.position] !== ']') {
      if (this.position >= this.pattern.length) throw new Error('unclosed class');
      const from = this.classMember();
      if (this.pattern[this.position] === '-' && this.pattern[this.position + 1] !== ']' && from.length === 1) {
        this.position++;
        const to = this.classMember();
        for (let code = from[0]!.charCodeAt(0); code <= to[0]!.charCodeAt(0); code++) {
          members.push(String.fromCharCode(code));
        }
      } else {
        members.push(...from);
      }
    }
    this.position++;
    return members;
  }

  private classMember(): string[] {
    const char = this.pattern[this.position++]!;
    return char === '\\' ? this.escape() : [char];
  }

  private quantifier(): [number, number] {
    const char = this.pattern[this.position];
    if (char === '?') return this.consume(1, [0, 1]);
    if (char === '*') return this.consume(1, [0, 4]);
    if (char === '+') return this.consume(1, [1, 6]);
    if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.position));
      if (!match) throw new Error('bad quantifier');
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] ? Number(match[3]) : min + 4;
      return this.consume(match[0].length, [min, max]);
    }
    return [1, 1];
  }

  private consume(length: number, range: [number, number]): [number, number] {
    this.position += length;
    // A lazy or possessive marker changes nothing for a sample.
    if (this.pattern[this.position] === '?') this.position++;
    return range;
  }
}
