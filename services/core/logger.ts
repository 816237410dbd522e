import { pino, type Logger } from 'pino';

export type { Logger };

/** One logger per process, made in main.ts and passed down. JSON lines; secrets redacted. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
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
