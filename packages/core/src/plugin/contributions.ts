import type { Container, ServiceIdentifier } from 'inversify';

/**
 * All implementations bound to a multi-valued slot, in binding order; `[]` when nothing is bound.
 * Use this instead of `getAll` so an empty slot is not an error.
 */
export async function getContributions<T>(container: Container, token: ServiceIdentifier<T>): Promise<T[]> {
  if (!container.isBound(token)) return [];
  return container.getAllAsync<T>(token);
}
