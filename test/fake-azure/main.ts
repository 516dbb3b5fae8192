/**
 * npm run fake-azure [-- --port N]: runs the local Azure fake (and Azurite for its blob storage)
 * until killed and prints, as
 * `export NAME=value` lines, what a shell needs to point chd at it.
 */
import {FakeAzure, RESOURCE_GROUP} from './server.js'

const i = process.argv.indexOf('--port')
const port = i === -1 ? 0 : Number(process.argv[i + 1])
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write('usage: npm run fake-azure -- [--port N]   (0 = any free port)\n')
  process.exit(2)
}
const fake = await new FakeAzure().start({port})
for (const [k, v] of Object.entries(fake.env())) process.stdout.write(`export ${k}=${v}\n`)
process.stderr.write(
  `# fake Azure on ${fake.armEndpoint}; resource ` +
    `group ${RESOURCE_GROUP}: ${[...fake.sites.values()].map((s) => s.name).join(', ')}\n`,
)
process.stderr.write(`# blob storage: Azurite on ${fake.blobEndpoint}\n`)
const stop = () => void fake.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
