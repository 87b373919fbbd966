/** The shape of a message catalogue; each feature's messages.ts is one part of it. */
export interface MessageTree {
  [key: string]: string | MessageTree;
}

/** The reference locale's literal texts widened to `string`: the type the other locales fill in. */
export type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
