// A `Storage` in memory, for the unit tests of what keeps tokens (a browser has localStorage).
import type { Storage } from "./session";

export class MemoryStorage implements Storage {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}
