import {
  exited,
  functionError,
  hostError,
  LINUX_ROOT,
  NO_JOB_FUNCTIONS,
  NO_SCRIPT,
  NOT_RUNNING_503,
  startFailed,
} from './host-lines.js'
import type {Explanation} from './types.js'

const ADD_DESCRIPTION =
  'Add to host.json: "customHandler": {"description": {"defaultExecutablePath": "handler"}} ' +
  '(the path of your binary, relative to the app root)'
const HOST_ERROR_STATUS = `Host state Error (its status lists the exception); HTTP calls: ${NOT_RUNNING_503}`

/** host.json, function.json and local.settings.json: what the host reads before it starts the handler. */
export const CONFIG_CODES: Explanation[] = [
  {
    code: 'HOST_JSON_MISSING',
    groups: ['never-starts'],
    checks:
      'Whether host.json is at the root of the folder or package. When a host.json exists deeper (a zip of the ' +
      'folder instead of its contents), chd names where it is.',
    host:
      'Without host.json the host writes a default one with no customHandler section, so the app is not a custom ' +
      'handler app: with FUNCTIONS_WORKER_RUNTIME=custom it fails to start ("Did not find functions with language ' +
      '[custom]."), with another runtime every function.json without scriptFile is in error.',
    source: [
      'host src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs',
      'host src/WebJobs.Script/Utility.cs',
      'host src/WebJobs.Script/Host/FunctionMetadataManager.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan, FUNCTIONS_WORKER_RUNTIME=custom',
        log: [
          hostError(
            'Microsoft.Azure.WebJobs.Script.HostInitializationException',
            'Did not find functions with ' + 'language [custom].',
          ),
        ],
        status: HOST_ERROR_STATUS,
      },
      {
        on: 'Every plan, another FUNCTIONS_WORKER_RUNTIME',
        log: [functionError('hello', NO_SCRIPT)],
        status: 'Host Running; every function is in error, so its URL answers 404',
      },
    ],
    seenAs: ['CUSTOM_HANDLER_MISSING', 'HOST_NOT_RUNNING'],
    why:
      "The package's root is not the app folder: the zip holds the folder instead of its contents, a build step " +
      'put the app in a subfolder, or the deploy ran from the wrong directory.',
    confirm: ['chd doctor DIR (or chd doctor app.zip)', 'unzip -l app.zip (host.json must be at the top level)'],
    fix: [
      'Deploy the folder that holds host.json: chd deploy DIR --app NAME',
      'Zip the contents of the folder, not the folder (chd pack DIR does)',
    ],
  },
  {
    code: 'HOST_JSON_INVALID',
    groups: ['never-starts'],
    checks:
      'host.json as the host reads it: JSON with comments, an object, "version": "2.0", and an ' +
      'extensionBundle.version that is a NuGet version range. JSON nested more than 64 levels is refused, as by ' +
      'Json.NET. The message gives file:line:column.',
    host:
      'Unparsable JSON throws "Unable to parse host configuration file \'…/host.json\'."; a missing version "The ' +
      "host.json file is missing the required 'version' property.\"; any other value \"'…' is an invalid value " +
      'for host.json \'version\' property."; a bad bundle range "The value of version property in extensionBundle ' +
      'section of host.json file is invalid or missing." Each leaves the host in Error, retrying with backoff.',
    source: [
      'host src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs',
      'host src/WebJobs.Script/Config/ExtensionBundleConfigurationHelper.cs',
      'host src/WebJobs.Script.WebHost/WebJobsScriptHostService.cs',
      'chd src/checks/host.ts',
      'chd src/checks/bundle.ts',
    ],
    seen: [
      {
        on: 'Every plan, JSON that does not parse',
        log: [
          hostError('System.FormatException', `Unable to parse host configuration file '${LINUX_ROOT}/host.json'.`),
        ],
        status: HOST_ERROR_STATUS,
      },
      {
        on: 'Every plan, no "version"',
        log: [
          hostError(
            'Microsoft.Azure.WebJobs.Script.HostConfigurationException',
            "The host.json file is missing the required 'version' property. See " +
              'https://aka.ms/functions-hostjson for ' +
              'steps to migrate the configuration file.',
          ),
        ],
        status: HOST_ERROR_STATUS,
      },
    ],
    seenAs: ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why:
      'A syntax slip, a host.json from a version 1 app (no "version"), or an extension bundle version such as ' +
      '"4.x", which is not a NuGet range ("[4.*, 5.0.0)" is).',
    confirm: ['chd doctor DIR', "chd doctor --app NAME (shows the host's status and its error text)"],
    fix: [
      'Fix host.json at the position chd names',
      'Set "version": "2.0"',
      'Set "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}',
    ],
  },
  {
    code: 'CUSTOM_HANDLER_MISSING',
    groups: ['never-starts'],
    checks:
      'Whether host.json has a customHandler (or legacy httpWorker) section with a description object. ' +
      'chd start and chd invoke refuse to run without one.',
    host:
      'The host runs a custom handler only when that section and its description exist; FUNCTIONS_WORKER_RUNTIME ' +
      'plays no part in that choice. A section without description throws "Missing worker Description.". No section: ' +
      'the host treats the app as a script app, whose function.json files need a scriptFile.',
    source: [
      'host src/WebJobs.Script/Workers/FunctionInvocationDispatcherFactory.cs',
      'host src/WebJobs.Script/Host/ScriptHost.cs',
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'host src/WebJobs.Script/Utility.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan, no section, FUNCTIONS_WORKER_RUNTIME=custom',
        log: [
          hostError(
            'Microsoft.Azure.WebJobs.Script.HostInitializationException',
            'Did not find functions with language [custom].',
          ),
        ],
        status: HOST_ERROR_STATUS,
      },
      {
        on: 'Every plan, no section, another runtime',
        log: [functionError('hello', NO_SCRIPT)],
        status: 'Host Running; every function is in error, so its URL answers 404',
      },
      {
        on: 'Every plan, a section without description',
        log: [hostError('Microsoft.Azure.WebJobs.Script.HostConfigurationException', 'Missing worker Description.')],
        status: HOST_ERROR_STATUS,
      },
    ],
    seenAs: ['CUSTOM_HANDLER_MISSING', 'HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why:
      'The section was never added, is misspelt at the top level ("customhandler" is fine, the keys are ' +
      'case-insensitive; "custom_handler" is not), or its keys sit directly under it instead of under "description".',
    confirm: ['chd doctor DIR', 'chd doctor --app NAME'],
    fix: [ADD_DESCRIPTION],
  },
  {
    code: 'CUSTOM_HANDLER_LEGACY_SECTION',
    groups: ['wrong-answer'],
    checks: 'Whether host.json configures the handler in the deprecated "httpWorker" section.',
    host:
      'The host still reads httpWorker, logs a warning, and treats it as handler type None: every HTTP function ' +
      'with exactly one httpTrigger and one http output is forwarded as the original request, to /{FunctionName} ' +
      '(not /api/…), instead of the JSON payload. With both sections, customHandler wins.',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'host src/WebJobs.Script/Workers/Http/Configuration/CustomHandlerType.cs',
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: ['Section httpWorker will be deprecated. Please use customHandler section.'],
        status: 'HTTP functions reach the handler as the original request at /{FunctionName}',
      },
    ],
    why: 'host.json was written for the 2020 preview of custom handlers.',
    confirm: ['chd doctor DIR', 'chd invoke DIR FUNCTION --json (shows the path and body the handler gets)'],
    fix: [
      'Rename "httpWorker" to "customHandler"; set "enableForwardingHttpRequest": true if the handler relies on ' +
        'the original request (it then arrives at /api/<route>)',
    ],
  },
  {
    code: 'HOST_JSON_KEY_IGNORED',
    groups: ['wrong-answer', 'local-only'],
    checks:
      'Every key under customHandler, customHandler.description and customHandler.http against the keys the host ' +
      'binds there (case-insensitive), with near-miss suggestions and known traps: enableHttpProxyingRequest, ' +
      'http.enableProxying, enableForwardingHttpRequest inside description, arguments or defaultExecutablePath ' +
      'directly under customHandler.',
    host:
      "The host binds the section with .NET's configuration binder, which ignores keys it has no property for; " +
      'nothing is logged. It rebuilds the arguments from the description, so a section-level "arguments" has no ' +
      'effect either.',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptions.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs',
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'chd src/checks/keys.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        status:
          'Nothing is logged; the setting simply has no effect (forwarding stays off, ' +
          'the timeout stays 30 s, the arguments are not passed)',
      },
    ],
    why: 'A typo, a key from a blog post or preview documentation, or a key one level off.',
    confirm: ['chd doctor DIR (names the key, its line, and what the host binds instead)'],
    fix: ['Rename or move the key as the finding says'],
  },
  {
    code: 'EXECUTABLE_PATH_EMPTY',
    groups: ['never-starts'],
    checks:
      'Whether customHandler.description.defaultExecutablePath is set and not empty once %NAME% variables are ' +
      'expanded (from app settings when chd knows them, local.settings.json Values locally).',
    host:
      'Validating the description throws "WorkerDescription DefaultExecutablePath cannot be empty"; the host stays ' +
      'in Error and retries with backoff.',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerDescription.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          hostError(
            'System.ComponentModel.DataAnnotations.ValidationException',
            'WorkerDescription DefaultExecutablePath cannot be empty',
          ),
        ],
        status: HOST_ERROR_STATUS,
      },
    ],
    seenAs: ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why: 'The key is missing or misplaced, or it is "%HANDLER_PATH%" and no app setting of that name exists on Azure.',
    confirm: ['chd doctor DIR', 'chd settings list --app NAME (is the variable an app setting?)'],
    fix: [
      'Set "defaultExecutablePath" to the handler, e.g. "handler" (Linux) or "handler.exe" (Windows)',
      'Or define the %NAME% it uses as an app setting: chd settings set --app NAME HANDLER_PATH=…',
    ],
  },
  {
    code: 'WORKER_PATH_NOT_FOUND',
    groups: ['never-starts'],
    checks:
      'Whether defaultWorkerPath names a file in the app, resolved against workingDirectory (default: the app ' +
      'root), after %NAME% expansion.',
    host:
      'The host does not check the file: it appends it in double quotes to the command line ' +
      '(exe arguments "defaultWorkerPath" workerArguments) and the handler opens it relative to its working ' +
      'directory. The interpreter then exits, and the host restarts it at most twice in 30 minutes.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/DefaultWorkerProcessFactory.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          exited(
            2,
            `python3: can't open file '${LINUX_ROOT}/server.py': [Errno 2] No such ` + 'file or directory',
            'python3',
          ),
        ],
        status: 'Host Running between restarts; calls fail or wait',
      },
    ],
    seenAs: ['HANDLER_EXITED'],
    why:
      'The script is built into another folder (dist/, build/), .funcignore leaves it out, or the path is relative ' +
      'to the wrong directory.',
    confirm: ['chd doctor DIR', 'chd start DIR'],
    fix: ['Correct defaultWorkerPath (relative to workingDirectory), or build the file into the app before packing'],
  },
  {
    code: 'ARGUMENT_FILE_NOT_FOUND',
    groups: ['never-starts'],
    checks:
      'For an interpreter (python, node, java -jar, dotnet, deno run, php -t/-f, pwsh -File …): the file or ' +
      'folder its arguments tell it to open, resolved against workingDirectory, must be in the app.',
    host:
      'The host passes the arguments as they are; the interpreter fails to open the file and exits, and the host ' +
      'restarts it at most twice in 30 minutes.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/DefaultWorkerProcessFactory.cs',
      'chd src/checks/arguments.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [exited(1, 'Error: Unable to access jarfile app.jar', '/usr/lib/jvm/msft-17-x64/bin/java')],
        status: 'Host Running between restarts; calls fail or wait',
      },
    ],
    seenAs: ['HANDLER_EXITED'],
    why: 'The build output is not copied into the app folder, or the path is relative to the wrong directory.',
    confirm: ['chd doctor DIR', 'chd start DIR'],
    fix: ['Build or copy the file into the app before packing, or correct the path (relative to workingDirectory)'],
  },
  {
    code: 'WORKING_DIRECTORY_MISSING',
    groups: ['never-starts'],
    checks: 'Whether workingDirectory and workerDirectory, resolved against the app root, are folders of the app.',
    host:
      "workingDirectory is only the child's current directory; when it does not exist, starting the process fails " +
      'with an error that names it and reads like a missing file. workerDirectory is where a relative ' +
      'defaultExecutablePath is looked for: when the file is not there, the host looks the name up on PATH.',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('No such file or directory', `${LINUX_ROOT}/handler`, `${LINUX_ROOT}/app`)],
        status: 'Host Running; calls wait 120 s, then fail and the host restarts',
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND'],
    why:
      'The folder is created by a build step that did not run, or .funcignore leaves it (or all of its files) out: ' +
      'a zip holds no empty folders.',
    confirm: ['chd doctor DIR'],
    fix: ['Create the folder in the app (with a file in it), or correct the path'],
  },
  {
    code: 'ARGUMENT_VARIABLE_UNSET',
    groups: ['local-only'],
    checks:
      "Each %NAME% in arguments and workerArguments (and in the description's paths) against what will set it " +
      'on Azure: the app settings (the live ones with --app), the variables the host sets ' +
      '(FUNCTIONS_CUSTOMHANDLER_PORT …) and those the platform sets. Info when only local.settings.json sets it.',
    host:
      'The host expands %NAME% from its environment (where app settings are), then deletes every %…% left in the ' +
      'arguments, logging "Environment variable:%NAME% is not set" at Debug level only.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/DefaultWorkerProcessFactory.cs',
      'chd src/checks/host.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: ['Environment variable:%API_URL% is not set'],
        status: 'The handler starts without that argument (the line above is Debug: not shown at the default level)',
      },
    ],
    why:
      'The value lives only in local.settings.json, which is never deployed, or the argument holds a literal pair ' +
      'of % signs ("--format=%d%s").',
    confirm: [
      'chd doctor DIR --app NAME (judges the arguments against the live app settings)',
      'chd settings list --app NAME',
    ],
    fix: [
      'Make NAME an app setting: chd settings set --app NAME API_URL=…, or deploy with --settings-file ' +
        'local.settings.json',
      'Read such values from the environment in the handler instead of the command line',
    ],
  },
  {
    code: 'ARGUMENT_SPLIT',
    groups: ['never-starts'],
    checks: 'Whether an element of arguments or workerArguments holds spaces or quotes.',
    host:
      'The host joins every argument into one command-line string without quoting them, and .NET splits it into ' +
      'argv again with Windows rules (whitespace separates, double quotes group), so "--name my app" arrives as two ' +
      'arguments.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/DefaultWorkerProcessFactory.cs',
      'chd src/checks/host.ts',
      'chd src/app/commandline.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        status: 'The handler gets different arguments than host.json lists; it may refuse them ' + 'and exit',
      },
    ],
    why: 'An array element written as a whole command line ("--port 8080") or a value with spaces.',
    confirm: ['chd doctor DIR (its startup line prints the argv chd and the host build)'],
    fix: ['Give each word its own array element: ["--port", "%FUNCTIONS_CUSTOMHANDLER_PORT%"]'],
  },
  {
    code: 'FUNCTION_JSON_INVALID',
    groups: ['never-starts'],
    checks:
      'Each <function>/function.json: JSON (with comments), a "bindings" array, each binding with type, ' +
      'direction (in, out or inout) and name, and one trigger binding. Ten problems are named per file.',
    host:
      'A function whose function.json fails to parse or validate is in error: the host logs it once, does not load ' +
      'it, and loads the others. When every function is in error the handler is never started.',
    source: [
      'host src/WebJobs.Script/Host/HostFunctionMetadataProvider.cs',
      'host src/WebJobs.Script/Description/FunctionDescriptorProvider.cs',
      'host src/WebJobs.Script/Diagnostics/Extensions/ScriptHostLoggerExtension.cs',
      'chd src/app/model.ts',
      'chd src/checks/functions.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          functionError('hello', 'No trigger binding specified. A function must have a ' + 'trigger input binding.'),
          functionError('report', 'At least one binding must be declared.'),
        ],
        status: 'Host Running; the other functions run; one in error is not loaded (its URL answers 404)',
      },
    ],
    why:
      'A hand-edited function.json with a syntax slip, a binding without "direction", or an output binding and no ' +
      'trigger.',
    confirm: ['chd doctor DIR (file:line:column)'],
    fix: [
      'Fix the file at the position chd names; every function needs exactly one binding whose type ends in Trigger ' +
        'and whose direction is "in"',
    ],
  },
  {
    code: 'NO_FUNCTIONS',
    groups: ['never-starts'],
    checks:
      'Whether the app has <folder>/function.json one level below the root (or customHandler.http.routes, or a ' +
      'custom-handler configurationProfile, which make functions without files). A function.json deeper down is ' +
      'named.',
    host:
      'With no functions the host logs a warning and never starts the handler: the dispatcher returns before ' +
      'launching it.',
    source: [
      'host src/WebJobs.Script/Host/ScriptHost.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'chd src/checks/functions.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [NO_JOB_FUNCTIONS],
        status: 'Host Running; every URL answers 404; the portal lists no functions',
      },
    ],
    seenAs: ['NO_FUNCTIONS'],
    why:
      'The function folders are under src/ or another subfolder, .funcignore leaves them out, or the package is ' +
      'not where the platform reads it (see RUN_FROM_PACKAGE_STALE).',
    confirm: ['chd doctor DIR', 'chd doctor --app NAME'],
    fix: ['Put each function in <root>/<name>/function.json, e.g. hello/function.json with an httpTrigger binding'],
  },
  {
    code: 'BINDING_NEEDS_EXTENSION_BUNDLE',
    groups: ['never-starts'],
    checks:
      'Whether a function uses a binding other than the built-in httpTrigger, http, timerTrigger, ' +
      'manualTrigger and warmupTrigger while host.json has no extensionBundle.',
    host:
      'Bindings other than those come from an extension bundle. Without one the function is in error and not ' +
      'loaded; the other functions run and the host stays Running.',
    source: [
      'host src/WebJobs.Script/Description/FunctionDescriptorProvider.cs',
      'host src/WebJobs.Script/ScriptHostBuilderExtensions.cs',
      'chd src/checks/functions.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          functionError(
            'work',
            "The binding type(s) 'queueTrigger' are not registered. " +
              'Please ensure the type is correct and the binding extension is installed.',
          ),
        ],
        status: 'Host Running; the function never runs (no queue message is picked up)',
      },
    ],
    why: 'host.json was started from an HTTP-only example.',
    confirm: ['chd doctor DIR', 'chd logs --app NAME --since 1h'],
    fix: [
      'Add to host.json: "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", ' +
        '"version": "[4.*, 5.0.0)"}',
    ],
  },
  {
    code: 'EXTENSION_BUNDLE_REFUSED',
    groups: ['never-starts'],
    checks:
      "The highest version host.json's extensionBundle range admits, against the host's minimum for the " +
      'default bundle: 2.6.1 (4.12.0 on Flex Consumption).',
    host:
      'The host resolves the bundle and refuses to start when it is older than extensionrequirements.json allows; ' +
      'the error is an initialization error, so the host stays in Error without retrying.',
    source: [
      'host src/WebJobs.Script/DependencyInjection/ScriptStartupTypeLocator.cs',
      'host src/WebJobs.Script/extensionrequirements.json',
      'chd src/checks/bundle.ts',
    ],
    seen: [
      {
        on: 'Every plan (Flex: any range below 4.12.0)',
        log: [
          'Referenced bundle ' +
            ('Microsoft.Azure.Functions.ExtensionBundle of version 1.8.1 does not meet the required ' +
              'minimum version of ') +
            '2.6.1. Update your extension bundle reference in host.json to reference 2.6.1 or later.',
        ],
        status: HOST_ERROR_STATUS,
      },
    ],
    seenAs: ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why: 'A host.json from a v2 or v3 app: "[1.*, 2.0.0)" is the common case.',
    confirm: ['chd doctor DIR --plan flex (for Flex)', 'chd doctor --app NAME'],
    fix: ['Set "version": "[4.*, 5.0.0)"'],
  },
  {
    code: 'EXTENSION_BUNDLE_OUTDATED',
    groups: ['notes'],
    checks: 'Whether the extensionBundle range resolves to a 2.x or 3.x bundle.',
    host: 'The host starts with it; those bundles are out of support and their bindings do not get fixes.',
    source: ['host src/WebJobs.Script/DependencyInjection/ScriptStartupTypeLocator.cs', 'chd src/checks/bundle.ts'],
    seen: [{on: 'Every plan', status: 'Nothing today'}],
    why: 'host.json was copied from an older app.',
    confirm: ['chd doctor DIR'],
    fix: ['Set "version": "[4.*, 5.0.0)"'],
  },
  {
    code: 'FORWARDING_NOT_APPLICABLE',
    groups: ['wrong-answer', 'http-errors'],
    checks:
      'With enableForwardingHttpRequest or enableProxyingHttpRequest on, every function that is not exactly one ' +
      'httpTrigger input and one http output.',
    host:
      'Only HTTP in-and-out functions are forwarded (or proxied) as the original request to /api/<route>; any ' +
      'other function, including an HTTP one with an extra binding, gets the JSON payload at POST /{FunctionName}, ' +
      'flag or not.',
    source: [
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
      'host src/WebJobs.Script/Extensions/FunctionMetadataExtensions.cs',
      'chd src/checks/functions.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        status:
          'The handler gets POST /work with {"Data": …, "Metadata": …}; if its router ' +
          'answers 404, the invocation fails and an HTTP caller gets 500',
      },
    ],
    why: 'The handler was written for forwarding, then a queue output or a second input was added to a function.',
    confirm: ['chd invoke DIR FUNCTION --json (shows the path and body the handler gets)'],
    fix: [
      'Handle POST /<function> with the invocation payload in the handler too, or keep that function to one ' +
        'httpTrigger and one http output',
    ],
  },
  {
    code: 'WORKER_RUNTIME_MISMATCH',
    groups: ['local-only'],
    checks:
      'local.settings.json\'s FUNCTIONS_WORKER_RUNTIME: a stack other than "custom" whose image supplies nothing ' +
      'the handler needs (its interpreter).',
    host:
      'The host runs the custom handler whatever FUNCTIONS_WORKER_RUNTIME says; on Azure the setting (with ' +
      'linuxFxVersion) picks the Linux image, and with it the interpreters on PATH. Runtimes that index functions ' +
      'with their own worker (node, python …) may also start that worker.',
    source: [
      'host src/WebJobs.Script/Workers/FunctionInvocationDispatcherFactory.cs',
      'host src/WebJobs.Script/Utility.cs',
      'host src/WebJobs.Script/Host/WorkerFunctionMetadataProvider.cs',
      'chd src/checks/runtime.ts',
    ],
    seen: [
      {
        on: 'Locally (Core Tools reads local.settings.json)',
        status:
          'Core Tools may refuse or start another ' +
          'language worker; on Azure the app settings decide, not this file',
      },
    ],
    why: 'The app was created from a language template.',
    confirm: ['chd doctor DIR', 'chd doctor --app NAME (the live setting: REMOTE_WORKER_RUNTIME)'],
    fix: ['Set "FUNCTIONS_WORKER_RUNTIME": "custom" in local.settings.json (chd deploy sets it on Azure)'],
  },
  {
    code: 'LOCAL_SETTING_OVERRIDE',
    groups: ['local-only'],
    checks: 'AzureFunctionsJobHost__customHandler__… keys in local.settings.json Values that differ from host.json.',
    host:
      'Environment variables named AzureFunctionsJobHost__<path> override host.json. Locally Core Tools (and chd) ' +
      'set local.settings.json Values as such variables; on Azure only app settings are, and the host never reads ' +
      'local.settings.json.',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'core-tools src/Cli/func/Common/Constants.cs',
      'chd src/checks/host.ts',
      'chd src/app/model.ts',
    ],
    seen: [{on: 'Azure, every plan', status: "host.json's value applies, unless the app has the same app setting"}],
    why: 'A local-only tweak (a debugger command, a fixed port) that is easy to forget.',
    confirm: ['chd doctor DIR', 'chd settings list --app NAME'],
    fix: ['Put the value in host.json if Azure needs it, or set the app setting (chd deploy --setting KEY=…)'],
  },
  {
    code: 'LOCAL_SETTINGS_INVALID',
    groups: ['local-only'],
    checks: 'Whether local.settings.json parses (JSON with comments).',
    host: 'The host never reads local.settings.json; Core Tools and chd read its Values for local runs.',
    source: ['core-tools src/Cli/func/Common/Constants.cs', 'chd src/checks/host.ts'],
    seen: [{on: 'Locally', status: 'chd start, chd invoke and Core Tools run without its Values'}],
    why: 'A syntax slip in the file.',
    confirm: ['chd doctor DIR (file:line:column)'],
    fix: ['Fix the JSON at the position chd names'],
  },
]
