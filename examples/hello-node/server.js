// A minimal custom handler: listens where the host says, answers invocations with JSON.
const http = require('node:http')

const port = Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT || 8080)

http
  .createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      if (req.url === '/hello' && req.method === 'POST') {
        const payload = body ? JSON.parse(body) : {}
        const name = payload?.Data?.req?.Query?.name ?? 'world'
        res.setHeader('Content-Type', 'application/json')
        res.end(
          JSON.stringify({
            Outputs: {res: {statusCode: 200, body: `Hello, ${name}!`, headers: {'Content-Type': 'text/plain'}}},
            Logs: [`greeted ${name}`],
          }),
        )
        return
      }
      res.statusCode = req.url === '/' ? 200 : 404
      res.end()
    })
  })
  .listen(port, '127.0.0.1')
