import type {GroupInfo} from './types.js'

/** The symptoms users see, in the order docs/troubleshooting.md lists them. */
export const GROUPS: GroupInfo[] = [
  {
    id: 'never-starts',
    title: 'Deploys, but the handler never starts',
    intro:
      'The deployment succeeded and the host status says Running, yet calls hang or fail and no log line says ' +
      '"Worker process started and initialized.". The host starts the handler fire-and-forget, so its status stays ' +
      'Running while the handler fails to start or crash-loops: only the log lines tell. Start with ' +
      "`chd doctor --app NAME` (it reads the host's lines and names the cause) and `chd doctor DIR` (it starts the " +
      'handler locally the way the host does).',
  },
  {
    id: 'http-errors',
    title: '500, 502 or 503 on every call',
    intro:
      'The host answers 500 with an empty body when an invocation fails (the handler answered with a non-2xx ' +
      'status or something that is not the JSON it reads), and 503 "Function host is not running." after a 30 s ' +
      "wait when the host is not Running. A 502 comes from the platform's front end, not from the host: usually " +
      'the host process is restarting (after the handler failed three times, or after a 120 s wait for a handler ' +
      'that never became ready). `chd invoke DIR FUNCTION` sends the same request locally and says what the host ' +
      'would make of the answer.',
  },
  {
    id: 'local-only',
    title: 'Works locally, not on Azure',
    intro:
      'The handler runs on your machine but not on the platform: a binary for another OS or CPU, a newer glibc ' +
      'than the image has, a lost execute bit, an interpreter the image does not have, or settings that exist only ' +
      'in local.settings.json (which is never deployed). `chd doctor DIR --target linux-x64 --plan PLAN` judges ' +
      'the folder against the platform instead of your machine; `chd doctor --app NAME` against the live app.',
  },
  {
    id: 'wrong-answer',
    title: 'Runs, but callers get the wrong answer',
    intro:
      'Calls succeed but the caller sees an empty 200 or 204, `{}`, a body the handler did not send, or the ' +
      'handler receives a JSON payload where it expected the original request. `chd invoke DIR FUNCTION --json` ' +
      'shows the exact request the host sends and the response it builds from the answer.',
  },
  {
    id: 'no-logs',
    title: 'No logs, or nothing about the handler',
    intro:
      "The host writes its file log (what Kudu's log stream shows) only in debug mode, which lasts 15 minutes " +
      'after a host status request (`fileLoggingMode` defaults to `debugOnly`); Linux Consumption and Flex have no ' +
      'log stream at all, only Application Insights, which shows rows 20 s to 3 min late. `chd logs --app NAME -f` ' +
      'switches debug mode on and keeps it on; `chd logs --app NAME --since 1h` reads App Insights.',
  },
  {
    id: 'deploy-blocked',
    title: 'Deploy blocked: failed checks, 401/403, 409, storage',
    intro:
      'chd deploy stops before the upload when the checks find errors (fix them, or `--force`), exits 3 on ' +
      '401/403 (your identity lacks a role on the app, or has no token), and 5 when Kudu refuses or fails the ' +
      "deployment (409: another deployment is running, or WEBSITE_RUN_FROM_PACKAGE holds a URL). The error's code " +
      'is listed below.',
  },
  {
    id: 'notes',
    title: 'Notes: not a failure yet, or not checked',
    intro: 'Findings that break nothing today, or say what chd could not look at.',
  },
]
