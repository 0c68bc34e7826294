// The reason a signed body was quarantined, from a zod error: the first issue with its path, short enough to store.
import type { z } from 'zod';

export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected shape';
  const path = issue.path.length ? issue.path.join('.') : 'body';
  return `${path}: ${issue.message}`.slice(0, 300);
}
