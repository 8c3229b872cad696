/** Request heads as the lean clients send them: HTTP/1.1, keep-alive, nothing a server does not need. */
export function getRequest(host: string, port: number, path: string, extraHeaders = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${extraHeaders}\r\n`;
}

export function postRequest(host: string, port: number, path: string, contentType: string, body: string): string {
  const length = Buffer.byteLength(body);
  return `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n${body}`;
}
