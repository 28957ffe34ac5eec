import { vi } from 'vitest';

/**
 * Captures `console.warn` calls (each as one string, its arguments joined by spaces) until the
 * test's mocks are restored (`vi.restoreAllMocks()`).
 */
export function captureWarnings(): string[] {
  const out: string[] = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => { out.push(args.join(' ')); });
  return out;
}
