import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One logger per process, made at the start and passed down. JSON lines; secrets redacted. `name` is the service's,
 * omitted in a process of several services, whose children each name theirs (core/service.ts).
 */
export function createLogger(service: string | undefined, level = 'info'): Logger {
  return pino({
    ...(service !== undefined && { name: service }),
    level,
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'env',
        '*.env',
        'config',
        '*.config',
        'internalToken',
      ],
      censor: '[redacted]',
    },
  });
}
