// Addresses users see: where an app answers and where to push it.

export function webUrl(app: string, domain: string, httpPort: number): string {
  return `http://${app}.${domain}${httpPort === 80 ? '' : `:${httpPort}`}/`;
}

export function gitUrl(app: string, sshHost: string, sshPort: number): string {
  return `ssh://git@${sshHost}:${sshPort}/${app}.git`;
}
