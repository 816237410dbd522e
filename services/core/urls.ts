// Addresses users see: where an app answers and where to push it.

export function webUrl(app: string, domain: string, httpPort: number): string {
  return `http://${app}.${domain}${httpPort === 80 ? '' : `:${httpPort}`}/`;
}

/** Where the app answers over HTTPS (its own certificate: the router's, or one of the app's). */
export function httpsUrl(app: string, domain: string, httpsPort: number): string {
  return `https://${app}.${domain}${httpsPort === 443 ? '' : `:${httpsPort}`}/`;
}

export function gitUrl(app: string, sshHost: string, sshPort: number): string {
  return `ssh://git@${sshHost}:${sshPort}/${app}.git`;
}
