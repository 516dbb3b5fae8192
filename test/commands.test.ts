import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {commandSnapshot, SNAPSHOT} from '../scripts/commands.js'

// The command line is a contract too: scripts call these commands with these flags.
test('commands, flags and args match test/fixtures/commands.json', async () => {
  const now = await commandSnapshot()
  const pinned = JSON.parse(readFileSync(SNAPSHOT, 'utf8'))
  assert.deepEqual(
    now,
    pinned,
    'A command, flag or arg changed. If you meant it, run `npm run snapshot`, ' +
      "commit test/fixtures/commands.json with the change, and update README.md's command reference",
  )
})

test('the snapshot can fail: a flag dropped from it is a difference', async () => {
  const now = await commandSnapshot()
  const pack = now.find((c) => c.id === 'pack')!
  const {level: _level, ...rest} = pack.flags
  assert.notDeepEqual(
    now,
    now.map((c) => (c === pack ? {...pack, flags: rest} : c)),
  )
  assert.deepEqual(pack.flags.level, {type: 'option', default: 6, min: 0, max: 9})
})
