import type {Severity} from './finding.js'

export interface CheckInfo {
  code: string
  severity: Severity
  summary: string
}

/**
 * Every finding chd can report. Codes are an interface (scripts match on them): add, never rename.
 * The severity here is the usual one; a rule may lower it where the context makes it harmless.
 */
export const CATALOGUE: CheckInfo[] = [
  {
    code: 'HOST_JSON_MISSING',
    severity: 'error',
    summary: 'No host.json at the root of the app: the host starts no functions.',
  },
  {code: 'HOST_JSON_INVALID', severity: 'error', summary: 'host.json does not parse, or its "version" is not "2.0".'},
  {
    code: 'CUSTOM_HANDLER_MISSING',
    severity: 'error',
    summary: 'host.json has no customHandler.description: the host never starts a handler.',
  },
  {
    code: 'CUSTOM_HANDLER_LEGACY_SECTION',
    severity: 'warning',
    summary: 'host.json uses the deprecated httpWorker section.',
  },
  {
    code: 'HOST_JSON_KEY_IGNORED',
    severity: 'warning',
    summary:
      'A customHandler key the host does not bind where it is written (misplaced, or misspelt): it has no effect.',
  },
  {
    code: 'EXECUTABLE_PATH_EMPTY',
    severity: 'error',
    summary: 'defaultExecutablePath is missing or empty after %VAR% expansion.',
  },
  {
    code: 'EXECUTABLE_NOT_FOUND',
    severity: 'error',
    summary: 'The executable is not in the app and not a command the platform ships.',
  },
  {
    code: 'EXECUTABLE_NOT_PACKED',
    severity: 'error',
    summary: 'The executable or host.json exists but .funcignore leaves it out of the package.',
  },
  {
    code: 'EXECUTABLE_NOT_EXECUTABLE',
    severity: 'error',
    summary: 'The executable has no execute bit for a Linux target (Permission denied).',
  },
  {
    code: 'EXECUTABLE_WRONG_OS',
    severity: 'error',
    summary: 'The executable is built for another OS (PE or Mach-O for Linux, ELF or Mach-O for Windows).',
  },
  {
    code: 'EXECUTABLE_WRONG_ARCH',
    severity: 'error',
    summary: 'The executable is built for another CPU (e.g. arm64 for an x64 platform).',
  },
  {
    code: 'EXECUTABLE_GLIBC_TOO_NEW',
    severity: 'error',
    summary: 'The executable needs a newer glibc than the platform has ("GLIBC_x.y not found").',
  },
  {
    code: 'EXECUTABLE_MUSL',
    severity: 'error',
    summary: 'The executable is linked against musl, whose loader the platform image does not have.',
  },
  {
    code: 'EXECUTABLE_UNKNOWN_FORMAT',
    severity: 'error',
    summary: 'The executable is not a binary for any OS and has no #! line (Exec format error).',
  },
  {
    code: 'EXECUTABLE_GUI_SUBSYSTEM',
    severity: 'warning',
    summary: 'The Windows executable is a GUI program: its console output is lost.',
  },
  {
    code: 'BUNDLED_BINARY_INCOMPATIBLE',
    severity: 'warning',
    summary:
      'A binary or native library in the package besides the handler is built for another CPU, a newer glibc, or musl.',
  },
  {
    code: 'BUNDLED_EXECUTABLE_LOSES_BIT',
    severity: 'warning',
    summary:
      'An executable in the package besides the handler has no execute bit, or is on a plan that restores ' +
      'it for the handler only.',
  },
  {
    code: 'FILE_NOT_READABLE',
    severity: 'error',
    summary:
      'host.json, a function.json or the handler script has no read permission (warning when only its ' +
      'owner may read it).',
  },
  {
    code: 'SCRIPT_CRLF',
    severity: 'error',
    summary: 'A script\'s #! line ends in CRLF: the kernel looks for an interpreter named "sh\\r".',
  },
  {
    code: 'SCRIPT_INTERPRETER_UNAVAILABLE',
    severity: 'error',
    summary:
      'The interpreter the handler runs with (defaultExecutablePath or #! line) is not on PATH in the ' +
      "platform image for the app's stack.",
  },
  {
    code: 'WORKER_PATH_NOT_FOUND',
    severity: 'error',
    summary: 'defaultWorkerPath names a file that is not in the app (relative to workingDirectory).',
  },
  {
    code: 'ARGUMENT_FILE_NOT_FOUND',
    severity: 'error',
    summary:
      'The script, jar or folder an interpreter is told to open (python3 server.py, java -jar app.jar, ' +
      'php -t public) is not in the app.',
  },
  {
    code: 'WORKING_DIRECTORY_MISSING',
    severity: 'error',
    summary: 'workingDirectory (or workerDirectory) is not a folder of the app.',
  },
  {
    code: 'ARGUMENT_VARIABLE_UNSET',
    severity: 'warning',
    summary:
      'An argument holds %NAME% that nothing sets on Azure: the host silently deletes it (info when only ' +
      'local.settings.json sets it).',
  },
  {
    code: 'ARGUMENT_SPLIT',
    severity: 'warning',
    summary: 'An argument holds spaces or quotes: the host joins arguments into one command line and re-splits it.',
  },
  {
    code: 'FUNCTION_JSON_INVALID',
    severity: 'error',
    summary: 'A function.json does not parse or its bindings are malformed.',
  },
  {
    code: 'NO_FUNCTIONS',
    severity: 'error',
    summary: 'No */function.json one level down: the host finds no functions and never starts the handler.',
  },
  {
    code: 'BINDING_NEEDS_EXTENSION_BUNDLE',
    severity: 'error',
    summary:
      'A binding other than HTTP, timer, manual or warmup is used without extensionBundle in host.json: ' +
      'that function fails to load.',
  },
  {
    code: 'EXTENSION_BUNDLE_REFUSED',
    severity: 'error',
    summary:
      'The extension bundle range admits no version the host accepts (2.6.1, 4.12.0 on Flex): the host does not start.',
  },
  {
    code: 'EXTENSION_BUNDLE_OUTDATED',
    severity: 'info',
    summary: 'The extension bundle range resolves to 2.x or 3.x: the host starts, but the bundle is out of support.',
  },
  {
    code: 'FORWARDING_NOT_APPLICABLE',
    severity: 'warning',
    summary:
      'Forwarding/proxying is on, but a function is not exactly one httpTrigger + one http output: it ' +
      'gets the JSON payload.',
  },
  {
    code: 'WORKER_RUNTIME_MISMATCH',
    severity: 'warning',
    summary:
      'local.settings.json sets FUNCTIONS_WORKER_RUNTIME to a stack that supplies nothing the handler ' +
      'needs (not "custom").',
  },
  {
    code: 'LOCAL_SETTING_OVERRIDE',
    severity: 'info',
    summary:
      'local.settings.json overrides a customHandler key of host.json; that applies only where the app runs locally.',
  },
  {code: 'LOCAL_SETTINGS_INVALID', severity: 'warning', summary: 'local.settings.json does not parse.'},
  {
    code: 'SECRET_WOULD_BE_PACKED',
    severity: 'error',
    summary: 'A file that usually holds secrets (.env, *.pem, *.key, id_rsa …) would be packed.',
  },
  {
    code: 'ZIP_DUPLICATE_ENTRY',
    severity: 'error',
    summary:
      'A package holds the same path twice (warning unless the host reads that file): which copy lands on ' +
      'disk is undefined.',
  },
  {
    code: 'SYMLINK_UNPACKABLE',
    severity: 'error',
    summary: 'A symbolic link leaves the app folder, loops, or points nowhere.',
  },
  {
    code: 'HANDLER_START_FAILED',
    severity: 'error',
    summary: 'The handler process could not be started: not found, permission denied, or exec format error.',
  },
  {
    code: 'HANDLER_EXITED',
    severity: 'error',
    summary: 'The handler exited before it answered GET / (exit code and last stderr lines).',
  },
  {
    code: 'HANDLER_NOT_READY',
    severity: 'error',
    summary: "Nothing answered GET http://127.0.0.1:PORT/ within the host's initialization timeout.",
  },
  {
    code: 'HANDLER_WRONG_PORT',
    severity: 'error',
    summary: 'The handler listens, but not on FUNCTIONS_CUSTOMHANDLER_PORT.',
  },
  {code: 'HANDLER_IPV6_ONLY', severity: 'error', summary: 'The handler listens on ::1 only; the host dials 127.0.0.1.'},
  {
    code: 'HANDLER_SLOW_START',
    severity: 'warning',
    summary: "The handler was ready, but after more than half the host's initialization timeout.",
  },
  {
    code: 'INVOCATION_FAILED',
    severity: 'error',
    summary: 'A mock invocation failed: non-2xx status, empty body, or no answer.',
  },
  {
    code: 'RESPONSE_NOT_JSON',
    severity: 'error',
    summary: 'A mock invocation was answered with something other than the JSON the host reads.',
  },
  {
    code: 'ROUTE_NOT_SERVED',
    severity: 'warning',
    summary:
      "With forwarding or proxying on, the handler answered 404/405 for a function's own request: callers " +
      'get that too.',
  },
  {
    code: 'RESPONSE_OUTPUT_MISSING',
    severity: 'warning',
    summary: "An HTTP function's answer has no value for its http output, so the caller gets an empty 200/204.",
  },
  {
    code: 'PROBE_SKIPPED',
    severity: 'info',
    summary: 'The startup probe did not run (the executable cannot run on this machine, or the source is a zip).',
  },
  {
    code: 'REMOTE_WORKER_RUNTIME',
    severity: 'warning',
    summary:
      "The live app's FUNCTIONS_WORKER_RUNTIME (or Flex runtime) is a stack that supplies nothing the " +
      'handler needs (not "custom").',
  },
  {
    code: 'REMOTE_STORAGE_MISSING',
    severity: 'error',
    summary: 'The live app has no AzureWebJobsStorage setting (nor identity-based __accountName).',
  },
  {
    code: 'RUN_FROM_PACKAGE_STALE',
    severity: 'error',
    summary: 'WEBSITE_RUN_FROM_PACKAGE points at a URL that no longer answers (deleted blob, expired SAS).',
  },
  {
    code: 'LAST_DEPLOYMENT_FAILED',
    severity: 'error',
    summary: 'The last Kudu deployment failed (its log lines are quoted).',
  },
  {code: 'HOST_NOT_RUNNING', severity: 'error', summary: 'The Functions host reports a state other than Running.'},
  {
    code: 'HANDLER_START_UNCONFIRMED',
    severity: 'info',
    summary:
      'The live host is Running, but no log line shows the handler started or failed (no log source, or a quiet one).',
  },
  {
    code: 'HOST_STARTUP_ERROR',
    severity: 'error',
    summary: 'The host logged a startup error that matches no known cause (the line is quoted).',
  },
  {
    code: 'EXECUTABLE_NOT_CHECKED',
    severity: 'info',
    summary: 'The executable is resolved outside the app (PATH or an absolute path) and was not inspected.',
  },
]

export const CHECKS: Record<string, CheckInfo> = Object.fromEntries(CATALOGUE.map((c) => [c.code, c]))
