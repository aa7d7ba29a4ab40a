/**
 * The logging surface this package needs; a pino logger satisfies it. Kept structural so the
 * package does not depend on a logging library.
 */
export type Logger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
};

export function moduleLogger(parent: Logger, module: string): Logger {
  return parent.child({ module });
}
