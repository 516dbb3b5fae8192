import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

import {tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'

/** What bash's completion offers for `words` (the last one being typed), through the script chd installs. */
function complete(setup: string, words: string[]): string[] {
  const script = [
    `source ${JSON.stringify(setup)}`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_chd_autocomplete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n')
  return execFileSync('bash', ['-c', script], {encoding: 'utf8'}).split('\n').filter(Boolean)
}

describe('shell completion (@oclif/plugin-autocomplete)', () => {
  test('bash completes commands, topics and flags from the manifest; zsh and PowerShell scripts exist', async () => {
    const cache = await tempDir()
    const env = {XDG_CACHE_HOME: cache}
    const r = await chd(['autocomplete', 'bash'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /chd autocomplete script bash/)
    const setup = path.join(cache, 'chd/autocomplete/bash_setup')
    assert.ok(existsSync(setup), `no ${setup}`)

    assert.deepEqual(complete(setup, ['chd', 'dep']), ['deploy'])
    assert.deepEqual(complete(setup, ['chd', 'settings', 'se']), ['set'])
    assert.deepEqual(complete(setup, ['chd', 'deploy', '--sm']), ['--smoke'])
    assert.ok(complete(setup, ['chd', 'doctor', '--']).includes('--list-checks'))

    for (const shell of ['zsh/_chd', 'powershell/chd.ps1'])
      assert.ok(existsSync(path.join(cache, 'chd/autocomplete/functions', shell)), `no ${shell} completion`)
  })
})
