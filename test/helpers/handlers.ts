import {type FileSpec, hostJson, HTTP_FUNCTION} from './app.js'

/**
 * Node script handlers, started by the local host exactly like a binary would be (#! line, exec
 * bit). `body` is the server's request handler; the rest is the boilerplate every handler has.
 */
export function nodeHandler(
  body: string,
  listen = "server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')",
): FileSpec {
  return {
    mode: 0o755,
    content: `#!/usr/bin/env node
const http = require('node:http')
const server = http.createServer((req, res) => {
  let chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8')
    if (req.url === '/' ) { res.end(); return }
    ${body}
  })
})
${listen}
`,
  }
}

export const JSON_OK =
  `res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {statusCode: 201, body: 'made', headers: {'X-From': ` +
  `'handler'}}}, Logs: ['did it']}))`

export function handlerApp(handler: FileSpec, extra: Record<string, FileSpec> = {}): Record<string, FileSpec> {
  return {
    'host.json': hostJson({defaultExecutablePath: 'handler'}),
    'hello/function.json': HTTP_FUNCTION,
    handler,
    'package.json': {type: 'commonjs'},
    ...extra,
  }
}
