import {
  executedFailed,
  exited,
  finalState,
  NOT_READY,
  RESTARTS_EXCEEDED,
  START_FAILED_TRACE,
  WAITING,
} from './host-lines.js'
import type {Explanation} from './types.js'

const PROBE =
  'chd doctor DIR starts the handler as the host does (command line, environment, port) and polls ' +
  'GET http://127.0.0.1:PORT/ every 25 ms'
const READINESS_SOURCES = [
  'host src/WebJobs.Script/Workers/Http/HttpWorkerChannel.cs',
  'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
  'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
]
const NOT_READY_STATUS =
  'Host Running; each launch waits 30 s, the third failure in 30 minutes shuts the host down ' +
  '(the platform starts it again); calls wait up to 120 s, then fail'
const INVOKE_SOURCES = [
  'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
  'host src/WebJobs.Script.WebHost/Middleware/ExceptionMiddleware.cs',
  'chd src/host/protocol.ts',
]
const LISTEN = 'Listen on the port in FUNCTIONS_CUSTOMHANDLER_PORT, on 127.0.0.1 or 0.0.0.0'

/** Starting the handler, its readiness, and its answers: what the probe and the live host's lines tell. */
export const RUNTIME_CODES: Explanation[] = [
  {
    code: 'HANDLER_START_FAILED',
    groups: ['never-starts', 'http-errors'],
    checks:
      `${PROBE}; this is its report when the process cannot be started at all (not found, permission denied, ` +
      'exec format error, missing working directory), worded as .NET words it. On Azure: the host\'s "Failed to ' +
      'start Worker Channel" when no line names a more specific cause, and "Final functionDispatcher state: ' +
      'Initializing", which means no handler ever started.',
    host:
      'When Process.Start throws, the host logs the error with the exception attached and drops the faulted ' +
      'start: no error event, no restart. The dispatcher stays Initializing; the first invocation waits ' +
      '(3 + 1) × initializationTimeout (120 s by default), then the host logs its final state and shuts down, and ' +
      'the platform starts it again.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'host src/WebJobs.Script/Description/Workers/WorkerFunctionInvoker.cs',
      'chd src/host/index.ts',
      'chd src/remote/diagnose.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [START_FAILED_TRACE, finalState('Initializing')],
        status: 'Host Running (never Error); the first call waits 120 s, then fails and the host restarts',
        elsewhere:
          'App Insights: the traces row holds only the first line; the reason ("No such file or directory", ' +
          '"Permission denied", "Exec format error") is in the exceptions table (outerMessage, innermostMessage)',
      },
    ],
    seenAs: ['HANDLER_START_FAILED'],
    why:
      'One of the EXECUTABLE_* or SCRIPT_* causes: a missing file, no execute bit, a binary for another platform, ' +
      'a #! interpreter the image lacks, a missing working directory.',
    confirm: [
      'chd doctor DIR',
      'chd doctor --app NAME (reads the exception text too)',
      'chd logs --app NAME --since ' + '1h',
    ],
    fix: ['Fix the cause the other findings name; chd doctor DIR reproduces the start locally'],
  },
  {
    code: 'HANDLER_EXITED',
    groups: ['never-starts', 'http-errors'],
    checks:
      `${PROBE}; this is its report when the handler exits before it answers, with the exit code, the last ` +
      'stderr lines and the line that names the crash (a panic, a Traceback, an Error:). On Azure: "exited with ' +
      'code N" in the host\'s exception, "Language Worker Process exited", and the restart limit.',
    host:
      'Exit code 0 is no error: the host neither restarts the handler nor reports it, and later calls fail. 200 ' +
      'asks for a restart that is not counted. Any other code is an error event: the host quotes the last three ' +
      'stderr lines (joined by commas) and restarts the handler on the same port; the third error within 30 minutes ' +
      'shuts the host down, and the platform starts it again.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcessUtilities.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerProcess.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'chd src/host/index.ts',
      'chd src/local/start.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          'panic: missing DATABASE_URL',
          exited(2, 'goroutine 1 [running]:,main.main(),\t/src/main.go:14 +0x65'),
          RESTARTS_EXCEEDED,
        ],
        status: 'Host Running between restarts; calls wait, get 503 while the host restarts, or fail',
        elsewhere:
          'Each stderr line is also its own Error record (category Host.Function.Console): the line that names ' +
          'the crash is there, before the three the exception quotes',
      },
      {
        on: 'Every plan, App Insights traces',
        log: ['Language Worker Process exited. Pid=1234.'],
        status: 'The exit code and the stderr lines are in the exceptions table (outerMessage, innermostMessage)',
      },
    ],
    seenAs: ['HANDLER_EXITED'],
    why:
      'The handler needs something Azure does not give it: an app setting (only in local.settings.json), a file ' +
      'outside the package, a writable app folder (the package is read-only when run from a zip), a fixed port.',
    confirm: [
      "chd start DIR (restarts it within the host's limits and shows every line it writes)",
      'chd logs --app NAME --since 1h',
      'chd doctor --app NAME',
    ],
    fix: [
      'Read the first stderr line, not the last three the host quotes; make the handler print its configuration ' +
        'errors before exiting',
      'Set the missing app settings (chd settings set --app NAME KEY=VALUE)',
    ],
  },
  {
    code: 'HANDLER_NOT_READY',
    groups: ['never-starts', 'http-errors'],
    checks:
      `${PROBE}; this is its report when nothing answers within the host's window: host.json ` +
      'customHandler.initializationTimeout, else 30 s (--startup-timeout overrides it). On Azure: the HttpWorker ' +
      'timeout and "Final functionDispatcher state" other than Initializing.',
    host:
      'The host calls GET http://127.0.0.1:{FUNCTIONS_CUSTOMHANDLER_PORT}/ every 25 ms; any HTTP answer, even 404, ' +
      'counts as ready; a refused connection means wait. After initializationTimeout it logs the timeout, kills the ' +
      'process and counts an error event (three in 30 minutes shut the host down).',
    source: [
      ...READINESS_SOURCES,
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptions.cs',
      'chd src/host/index.ts',
      'chd src/host/ready.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [WAITING, NOT_READY, finalState('WorkerProcessRestarting')],
        status: NOT_READY_STATUS,
        elsewhere:
          'The "Waiting for HttpWorker" line is Debug: it shows only with ' +
          'logging.logLevel.default set to Debug or Trace in host.json',
      },
    ],
    seenAs: ['HANDLER_NOT_READY'],
    why:
      'The handler listens on a fixed port (8080) instead of FUNCTIONS_CUSTOMHANDLER_PORT, on IPv6 localhost only, ' +
      'or does slow work (loading models, connecting to databases) before it listens.',
    confirm: [
      "chd doctor DIR (on Linux it reads the handler's sockets: HANDLER_WRONG_PORT, HANDLER_IPV6_ONLY)",
      'chd doctor --app NAME',
    ],
    fix: [
      `${LISTEN}, before any slow initialisation`,
      'Or raise the window: "customHandler": {"initializationTimeout": "00:01:00", …} in host.json',
    ],
  },
  {
    code: 'HANDLER_WRONG_PORT',
    groups: ['never-starts', 'local-only'],
    checks:
      "On Linux, when the probe times out: the TCP ports the handler's processes listen on (from /proc), when " +
      'none of them is FUNCTIONS_CUSTOMHANDLER_PORT.',
    host:
      'The host picks a free port once, passes it in FUNCTIONS_CUSTOMHANDLER_PORT (and FUNCTIONS_HTTPWORKER_PORT) ' +
      'and waits there; it never looks anywhere else.',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpWorkerProcess.cs',
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'host src/WebJobs.Script/WorkerUtilities.cs',
      'chd src/host/sockets.ts',
    ],
    seen: [{on: 'Every plan', log: [NOT_READY], status: NOT_READY_STATUS}],
    seenAs: ['HANDLER_NOT_READY'],
    why: 'The handler hard-codes a port or reads PORT; it works locally because you call that port yourself.',
    confirm: ['chd doctor DIR (names the port the handler listens on)'],
    fix: [
      'Read the port from FUNCTIONS_CUSTOMHANDLER_PORT, e.g. os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT") in Go, ' +
        'process.env.FUNCTIONS_CUSTOMHANDLER_PORT in Node',
    ],
  },
  {
    code: 'HANDLER_IPV6_ONLY',
    groups: ['never-starts', 'local-only'],
    checks: 'On Linux, when the probe times out: whether the handler listens on its port on ::1 only.',
    host:
      'The host always calls http://127.0.0.1:PORT/ (IPv4); a listener on the IPv6 loopback alone is never ' +
      'reached.',
    source: [
      'host src/WebJobs.Script/Workers/WorkerConstants.cs',
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
      'chd src/host/sockets.ts',
    ],
    seen: [{on: 'Every plan', log: [NOT_READY], status: NOT_READY_STATUS}],
    seenAs: ['HANDLER_NOT_READY'],
    why:
      'The handler listens on "localhost", which resolves to ::1 first on some systems (Node 17 and later keep the ' +
      "resolver's order).",
    confirm: ['chd doctor DIR'],
    fix: ["Listen on 127.0.0.1 or 0.0.0.0: in Node, server.listen(port, '127.0.0.1')"],
  },
  {
    code: 'HANDLER_SLOW_START',
    groups: ['local-only'],
    checks: 'Whether the handler answered the probe only after more than half of the window.',
    host:
      'The window is the same on Azure, where a cold start on a shared instance is slower than your machine; past ' +
      'it the host counts a failure and restarts the handler.',
    source: READINESS_SOURCES,
    seen: [
      {
        on: 'Every plan, on cold starts',
        log: [NOT_READY],
        status: 'Intermittent: some instances start, some ' + 'time out and restart',
      },
    ],
    seenAs: ['HANDLER_NOT_READY'],
    why: 'Initialisation before listening: loading data, warming caches, connecting to services.',
    confirm: ['chd doctor DIR (prints the time to ready)'],
    fix: ['Listen first and initialise lazily, or raise customHandler.initializationTimeout'],
  },
  {
    code: 'INVOCATION_FAILED',
    groups: ['http-errors'],
    checks:
      "The probe's (and chd invoke's) mock invocation as the host would judge it: a non-2xx status, an empty " +
      'or "null" body, no answer, an http output the host cannot read as {statusCode, headers, body}, or an answer ' +
      "over 64 MiB (chd's own limit).",
    host:
      'A non-2xx answer fails the invocation and its body, Logs included, is dropped. An empty body leaves the ' +
      'invocation waiting until functionTimeout (5 min on Consumption, 30 min elsewhere). An http output that is a ' +
      'plain string or null fails with "Failed while trying to Deserialize to httpOutputBindingResponse". An HTTP ' +
      'caller then gets 500 with an empty body.',
    source: [
      ...INVOKE_SOURCES,
      'host src/WebJobs.Script/Workers/Http/HttpScriptInvocationResultExtensions.cs',
      'host src/WebJobs.Script/Config/ScriptJobHostOptionsSetup.cs',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          executedFailed(
            'hello',
            'System.Net.Http.HttpRequestException : Response status ' +
              'code does not indicate success: 404 (Not Found).',
          ),
        ],
        status:
          'HTTP callers get 500 with an empty body; for ' +
          "other triggers the execution counts as failed, and the trigger's own retry rules apply",
      },
    ],
    why:
      'The handler routes only /api/… paths (it gets POST /<function> unless forwarding applies), answers errors ' +
      'with a 4xx/5xx, or writes Outputs.res as a string.',
    confirm: ['chd invoke DIR FUNCTION (prints the answer and what the host makes of it)'],
    fix: [
      'Answer POST /<function> with 2xx and {"Outputs": {…}, "Logs": […], "ReturnValue": …}; report failures ' +
        'inside the body (Outputs.res.statusCode) and write them to stdout too',
    ],
  },
  {
    code: 'RESPONSE_NOT_JSON',
    groups: ['http-errors'],
    checks:
      'Whether the answer to a mock invocation has Content-Type application/json or text/json and a JSON object ' +
      'body whose Logs, if present, is an array of strings.',
    host:
      'The host reads the answer with a JSON media-type formatter: a missing Content-Type counts as ' +
      'application/octet-stream, and anything it cannot read fails the invocation.',
    source: INVOKE_SOURCES,
    seen: [
      {
        on: 'Every plan',
        log: [
          executedFailed(
            'hello',
            'System.InvalidOperationException : Invalid ' +
              "HttpResponseMessage:\nStatusCode: 200, ReasonPhrase: 'OK', Version: 1.1, Content: …\n Hello, world\n" +
              (' ---> System.Net.Http.UnsupportedMediaTypeException : No MediaTypeFormatter is available ' +
                'to read an object ') +
              "of type 'HttpScriptInvocationResult' from content with media type 'text/plain'.",
          ),
        ],
        status: 'HTTP callers get 500 with an empty body',
      },
    ],
    why:
      'The handler writes its reply without setting Content-Type, or returns the response body itself instead of ' +
      'the invocation result.',
    confirm: ['chd invoke DIR FUNCTION --json'],
    fix: ['Set Content-Type: application/json and answer {"Outputs": {"res": {"statusCode": 200, "body": "…"}}}'],
  },
  {
    code: 'RESPONSE_OUTPUT_MISSING',
    groups: ['wrong-answer'],
    checks:
      "Whether an HTTP function's answer carries a value for its http output (Outputs.<name>, case-sensitive; " +
      'or ReturnValue for a $return binding).',
    host:
      'Outputs keys are matched case-sensitively. A declared http output missing from Outputs becomes an empty ' +
      'object, which the caller gets as 200 with the body {}; with neither Outputs nor ReturnValue the caller gets ' +
      'an empty answer. Neither is an error.',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpScriptInvocationResultExtensions.cs',
      'host src/WebJobs.Script/Binding/Http/HttpBinding.cs',
      'host src/WebJobs.Script/Description/Workers/WorkerFunctionInvoker.cs',
      'chd src/host/protocol.ts',
    ],
    seen: [{on: 'Every plan', status: 'HTTP 200 with the body {} (or an empty 204); nothing is logged'}],
    why:
      'Outputs.Res instead of Outputs.res, a different binding name than function.json declares, or the response ' +
      'put in ReturnValue without a $return binding.',
    confirm: ['chd invoke DIR FUNCTION --json (shows Outputs and the response the host builds)'],
    fix: ['Answer "Outputs": {"<name in function.json>": {"statusCode": 200, "body": …}}'],
  },
  {
    code: 'ROUTE_NOT_SERVED',
    groups: ['http-errors', 'wrong-answer'],
    checks:
      'With customHandler.enableForwardingHttpRequest on (an HTTP-only function), the probe sends the ' +
      "function's own request, path and query as the caller would, and reports a 404 or 405 answer.",
    host:
      'A forwarded request goes to the handler with its original path (route prefix included) and the ' +
      "handler's answer is handed back as it is: status, headers and body, with no success check and no log " +
      'record beyond the Debug line "Forwarding httpTrigger invocation".',
    source: ['host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs', 'chd src/doctor/probe.ts'],
    seen: [
      {
        on: 'Every plan',
        status:
          'The function URL answers 404 (or 405) from the handler; the host logs the ' + 'invocation as succeeded',
      },
    ],
    why:
      'The handler routes /hello while the host forwards /api/hello, or it serves another method than the ' +
      'function declares.',
    confirm: ['chd doctor DIR', 'chd start DIR, then curl the function URL it prints'],
    fix: [
      'Serve the path with the route prefix (/api/… unless host.json extensions.http.routePrefix changes it)',
      'Or turn forwarding off and answer POST /<function> with the invocation payload',
    ],
  },
  {
    code: 'PROBE_SKIPPED',
    groups: ['notes'],
    checks:
      'Reported when chd doctor cannot start the handler here: the source is a zip, the target OS is not this ' +
      "machine's, or the binary is for another CPU or OS (a Windows or arm64 build on a Linux x64 machine).",
    host: 'Nothing: this is about the machine chd runs on.',
    source: ['chd src/doctor/probe.ts', 'chd src/host/index.ts'],
    seen: [{on: 'Locally', status: 'Only the static checks ran'}],
    why: 'Judging a package, or a build for another platform.',
    confirm: ["chd doctor DIR on a machine of the target's OS and CPU (or in a linux/amd64 container)"],
    fix: ['Nothing to fix; run the probe where the binary can run if you want it'],
  },
]
