type ZodErrorData = { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> };
type WithZodError = { data?: { zodError?: ZodErrorData | null } | null };

function zodErrorOf(error: unknown): ZodErrorData | null {
  if (!error || typeof error !== "object" || !("data" in error)) return null;
  return (error as WithZodError).data?.zodError ?? null;
}

/**
 * The message to show for a failed tRPC call. Server messages are written for people; a validation
 * failure carries the raw zod issues as its message, so the first flattened issue is shown instead.
 */
export function errorMessage(error: unknown, fallback = "Something went wrong. Try again."): string {
  const zod = zodErrorOf(error);
  if (zod) {
    const first = zod.formErrors?.[0] ?? Object.values(zod.fieldErrors ?? {}).find((m) => m?.length)?.[0];
    return first ?? "Check the form and try again.";
  }
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}

/** The first validation message for one input field, if the server rejected it. */
export function fieldError(error: unknown, field: string): string | undefined {
  return zodErrorOf(error)?.fieldErrors?.[field]?.[0];
}
