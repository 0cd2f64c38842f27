// An object without its undefined fields, so that spreading it over defaults does not set them
// to undefined. Shared by whoever fills in defaults (training, generators, table plans, jobs).

/** `value`'s fields whose value is not undefined (none for undefined). */
export function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
